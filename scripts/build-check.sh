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

# The execution environment definition, read with the collection's root as its base, as
# ansible-builder's introspection reads it when an environment installs xmpp.stack. `create` writes
# the build context only: no container is built (no registry is reachable here).
root=$out/installed/ansible_collections/xmpp/stack
ee=$out/ee
mkdir -p "$ee"
cp "$root/meta/execution-environment.yml" "$ee/"
ln -s "$PWD/$root/meta" "$ee/meta"
ansible-builder create -f "$ee/execution-environment.yml" -c "$ee/context" >"$out/ee.log" 2>&1 \
  || { cat "$out/ee.log"; echo "ansible-builder create failed on meta/execution-environment.yml"; exit 1; }
ansible-builder introspect "$out/installed" >"$out/introspect.log" 2>&1 \
  || { cat "$out/introspect.log"; echo "ansible-builder introspect failed on the installed collection"; exit 1; }
python - "$out/introspect.log" "$ee/context/_build" <<'PY'
import pathlib, sys, yaml
found = yaml.safe_load(pathlib.Path(sys.argv[1]).read_text()) or {}
context = pathlib.Path(sys.argv[2])
tag = "  # from collection xmpp.stack"
for kind, src, built in (("python", "meta/ee-requirements.txt", "requirements.txt"),
                         ("system", "meta/ee-bindep.txt", "bindep.txt")):
    want = [l for l in pathlib.Path(src).read_text().splitlines() if l.strip() and not l.startswith("#")]
    seen = [item[:-len(tag)] for item in found.get(kind) or [] if item.endswith(tag)]
    assert seen == want, f"introspection found {kind} {seen} for xmpp.stack, {src} says {want}"
    text = (context / built).read_text()
    assert all(line in text for line in want), f"{built} in the build context lacks {src}"
PY
echo "built $(basename "$tarball"), installed it, ansible-doc renders every module and xmpp.stack.site lists its tasks, from the install; ansible-builder create and introspect take the execution environment's requirements"
