#!/usr/bin/env bash
# Controller set-up: the project-local virtual environment with the pinned requirements, and the
# collection linked where Ansible looks for xmpp.stack. Idempotent: reruns take a second.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }

PY=${PYTHON:-python3.11}
# .venv links to the machine's venv for requirements.txt (scripts/lib/cached-venv.sh says why).
# shellcheck source=scripts/lib/cached-venv.sh
. scripts/lib/cached-venv.sh
if ! cached_venv .venv "$PY" requirements.txt 'import ansible, molecule, slixmpp, testinfra, passlib' \
     | while IFS= read -r line; do say "$line"; done; then
  say "the venv could not be made"; exit 1
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
