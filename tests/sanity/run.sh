#!/usr/bin/env bash
# ansible-test needs the collection at ansible_collections/<ns>/<name>: run it on a copy.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
venv=${VENV:-$repo/.venv}
work=$(mktemp -d /tmp/isplab-sanity.XXXXXX)
trap 'rm -rf "$work"' EXIT
dest=$work/ansible_collections/isplab/infra
mkdir -p "$dest"
# Only what git would ship: tracked and untracked-but-not-ignored files.
(cd "$repo" && git ls-files -co --exclude-standard -z) | (cd "$repo" && rsync -a --ignore-missing-args --from0 --files-from=- ./ "$dest/")
cd "$dest"
git init -q . && git add -A >/dev/null
PATH="$venv/bin:$PATH" ansible-test sanity --python 3.11 --color no "$@"
