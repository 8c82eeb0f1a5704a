#!/usr/bin/env bash
# Builds the documentation site into artifacts/docs/html (or DIR/html), offline, failing on any
# Sphinx warning: antsibull-docs writes the pages of the modules, filters and roles (from
# DOCUMENTATION, RETURN and meta/argument_specs.yml); beside them go the admin guide (README.md),
# the roles' READMEs, docs/*.md and the playbooks' purpose (their headers, scripts/docs-playbooks.py).
# Usage: scripts/docs.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$PWD/ansible.cfg"
out=${1:-artifacts/docs}
# The sources live beside the HTML, so two builds into different places never meet.
src=$out/rst
# Only an earlier build is ever removed, never a directory that holds something else.
if [ -e "$out" ] && [ ! -d "$out/rst" ] && [ -n "$(ls -A "$out")" ]; then
  echo "scripts/docs.sh: $out is not empty and holds no earlier build; refusing to replace it" >&2
  exit 2
fi
rm -rf "$out" && mkdir -p "$src/reference"
# antsibull-docs refuses a destination that others may write to.
chmod 700 "$src/reference"
antsibull-docs collection --use-current --fail-on-error --no-add-antsibull-docs-version \
  --squash-hierarchy --dest-dir "$src/reference" xmpp.stack >/dev/null
cp docs/site/index.rst docs/site/ansible_references.rst "$src/"
# README.md and docs/*.md keep their places relative to each other, so the README's links to them work.
cp README.md "$src/admin_guide.md"
mkdir "$src/docs" && cp docs/*.md "$src/docs/"
for readme in roles/*/README.md; do
  mkdir -p "$src/$(dirname "$readme")" && cp "$readme" "$src/$readme"
done
python scripts/docs-playbooks.py "$src/playbooks.rst"
sphinx-build -q -b html -W --keep-going -c docs/site "$src" "$out/html"
echo "documentation site: $out/html/index.html"
