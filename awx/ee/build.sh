#!/usr/bin/env bash
# Builds the execution environment of isplab.infra.
#   awx/ee/build.sh create   writes the build context to build/ee/context (no container engine needed)
#   awx/ee/build.sh build    also builds the image with podman or docker (ansible-builder picks one)
# Extra arguments go to ansible-builder (e.g. --tag registry.example.net/isplab/isplab-infra-ee:0.1.0).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
venv=${VENV:-$repo/.venv}
mode=${1:-create}
shift || true
cd "$repo"
"$venv/bin/python" awx/ee/gen_requirements.py --check
rm -rf build/ee
mkdir -p build/ee
# The EE installs the collection from this artifact (awx/ee/requirements.yml), not from Galaxy.
"$venv/bin/ansible-galaxy" collection build --force --output-path build/ee . >/dev/null
mv build/ee/isplab-infra-*.tar.gz build/ee/isplab-infra.tar.gz
"$venv/bin/ansible-builder" "$mode" -f execution-environment.yml -c build/ee/context "$@"
