#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection laid out as ansible_collections/xmpp/stack.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$root/.venv/bin:$PATH"
pip_version=$(python - <<'PY'
from ansible_test._internal.python_requirements import get_venv_packages
from ansible_test._internal.host_configs import NativePythonConfig
print(get_venv_packages(NativePythonConfig(version="3.11", path="/usr/bin/python3"))["pip"])
PY
)
cache=~/.ansible/test/cache/get_pip_${pip_version//./_}.py
mkdir -p "$(dirname "$cache")"
cp tests/support/get_pip_standin.py "$cache"

work=.cache/sanity/ansible_collections/xmpp/stack
rm -rf "$work" && mkdir -p "$work"
# Only what git tracks (plus uncommitted edits) goes into the copy: no venv, no caches.
git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents {} "$work/" 2>/dev/null || true
cd "$work"
git init -q . && git add -A >/dev/null
ansible-test sanity --venv --python 3.11 --color no "$@"
