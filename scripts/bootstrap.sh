#!/usr/bin/env bash
# Controller set-up: the project-local virtual environment with the pinned requirements, and the
# collection linked where Ansible looks for xmpp.stack. Idempotent: reruns take a second.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }

PY=${PYTHON:-python3.11}
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "creating .venv with the pinned requirements (a few minutes the first time)"
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
  .venv/bin/python -m pip install -q -r requirements.txt 2>&1 | grep -v '^WARNING: Location' || true
  .venv/bin/python -c 'import ansible, molecule, slixmpp, testinfra, passlib' \
    || { say "the requirements did not install"; exit 1; }
  echo "$want" >"$stamp"
fi

# Ansible finds this checkout as the collection xmpp.stack through .cache/collections.
mkdir -p .cache/collections/ansible_collections/xmpp
ln -sfn ../../../.. .cache/collections/ansible_collections/xmpp/stack
# ansible-lint also looks in the user's and the system's collection paths: an installed copy of
# xmpp.stack there (a tarball tried by hand) would be linted instead of this checkout. Say so, and
# leave the admin's files alone.
for stale in "$HOME/.ansible/collections/ansible_collections/xmpp/stack" \
             /usr/share/ansible/collections/ansible_collections/xmpp/stack; do
  if [ -e "$stale" ]; then
    say "an installed copy of xmpp.stack at $stale would shadow this checkout in ansible-lint: remove it"
    exit 1
  fi
done
# The whole output first, then its first line: `| head -1` closed the pipe while ansible was still
# writing, and ansible printed a Broken pipe traceback into every `make`.
version=$(.venv/bin/ansible --version)
say "controller ready: ${version%%$'\n'*}"
