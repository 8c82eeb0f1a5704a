#!/usr/bin/env bash
# The collection builds, installs, and every module's documentation renders from the install.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
out=.cache/build
rm -rf "$out" && mkdir -p "$out"
ansible-galaxy collection build --force --output-path "$out" . >/dev/null
tarball=$(ls "$out"/xmpp-stack-*.tar.gz)
# Only the fresh install and the ansible package's collections are visible from here on: the
# checkout's own link in .cache/collections would make the install a no-op and hide its faults.
export ANSIBLE_COLLECTIONS_PATH="$PWD/$out/installed:$PWD/.venv/lib/python3.11/site-packages"
ansible-galaxy collection install --offline --force -p "$out/installed" "$tarball" >/dev/null
for m in plugins/modules/*.py; do
  [ -e "$m" ] || continue
  name=$(basename "$m" .py)
  ansible-doc "xmpp.stack.$name" >/dev/null || { echo "ansible-doc xmpp.stack.$name failed"; exit 1; }
done
ansible-playbook -i inventories/split/hosts.yml --list-tasks xmpp.stack.site >/dev/null
echo "built $(basename "$tarball"), installed it, ansible-doc renders every module and xmpp.stack.site lists its tasks, from the install"
