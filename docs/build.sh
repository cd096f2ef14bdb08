#!/usr/bin/env bash
# Builds the reference docs of isplab.infra: one page per module and per role, generated from the
# modules' DOCUMENTATION/EXAMPLES/RETURN and the roles' meta/argument_specs.yml.
#   build/docs/rst/   reStructuredText from antsibull-docs (simplified-rst: renders without Sphinx)
#   build/docs/html/  the same pages as standalone HTML (docutils)
# Fails on any schema error in DOCUMENTATION or argument_specs and on any reST warning, so a module
# whose docs would not render on docs.ansible.com fails here first.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${VENV:-$repo/.venv}
out=${DOCS_OUT:-$repo/build/docs}
export PATH="$venv/bin:$PATH"

# antsibull-docs reads the collection as installed: point a private collection tree at this checkout.
work=$(mktemp -d /tmp/isplab-docs.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/collections/ansible_collections/isplab" "$work/rst"
ln -s "$repo" "$work/collections/ansible_collections/isplab/infra"
export ANSIBLE_COLLECTIONS_PATH="$work/collections"

echo "docs: linting DOCUMENTATION, argument_specs and extra docs"
antsibull-docs lint-collection-docs --plugin-docs --skip-rstcheck \
  "$work/collections/ansible_collections/isplab/infra"

echo "docs: generating reST"
# antsibull-docs refuses a destination that others can write to.
chmod 700 "$work/rst"
antsibull-docs collection --use-current --squash-hierarchy --output-format simplified-rst \
  --fail-on-error --no-add-antsibull-docs-version --dest-dir "$work/rst" isplab.infra

rm -rf "$out"
mkdir -p "$out/html"
cp -r "$work/rst" "$out/rst"

echo "docs: rendering HTML"
for rst in "$out"/rst/*.rst; do
  page=$(basename "$rst" .rst)
  # --halt=warning: a reST problem in a description fails the build instead of rendering as garbage.
  python -m docutils --halt=warning --no-datestamp --writer=html5 "$rst" "$out/html/$page.html"
done
# The generated index links the .rst sources; in the HTML tree the pages end in .html.
sed -i -E 's/href="([A-Za-z0-9_]+)\.rst"/href="\1.html"/g' "$out"/html/*.html

modules=$(find "$repo/plugins/modules" -maxdepth 1 -name '*.py' ! -name '__init__.py' | wc -l)
roles=$(find "$repo/roles" -mindepth 1 -maxdepth 1 -type d | wc -l)
# A renamed module keeps a redirect page (meta/runtime.yml plugin_routing) pointing at its new name.
redirects=$(python -c 'import sys, yaml; r = yaml.safe_load(open(sys.argv[1])); print(len((r.get("plugin_routing") or {}).get("modules") or {}))' "$repo/meta/runtime.yml")
pages=$(find "$out/html" -name '*_module.html' -o -name '*_role.html' | wc -l)
if [ "$pages" -ne $((modules + roles + redirects)) ]; then
  echo "docs: $pages module/role pages for $modules modules, $roles roles and $redirects redirects" >&2
  exit 1
fi
echo "docs: $pages pages ($modules modules, $roles roles, $redirects redirects) in $out/html/index.html"
