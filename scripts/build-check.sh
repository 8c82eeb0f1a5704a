#!/usr/bin/env bash
# The collection builds, installs, and every module's documentation renders from the install.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
out=.cache/build
rm -rf "$out" && mkdir -p "$out"
ansible-galaxy collection build --force --output-path "$out" . >/dev/null
tarball=$(ls "$out"/xmpp-stack-*.tar.gz)
ansible-galaxy collection install --offline -p "$out/installed" "$tarball" >/dev/null
export ANSIBLE_COLLECTIONS_PATH="$PWD/$out/installed:$PWD/.venv/lib/python3.11/site-packages"
for m in plugins/modules/*.py; do
  [ -e "$m" ] || continue
  name=$(basename "$m" .py)
  ansible-doc "xmpp.stack.$name" >/dev/null || { echo "ansible-doc xmpp.stack.$name failed"; exit 1; }
done
ansible-playbook --syntax-check xmpp.stack.site >/dev/null
echo "built $(basename "$tarball"), installed it, ansible-doc and xmpp.stack.site load from the install"
