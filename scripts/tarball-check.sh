#!/usr/bin/env bash
# The collection used the way a Galaxy user gets it: the built tarball installed with
# `ansible-galaxy collection install` by ansible-core ALONE, at the lowest version meta/runtime.yml
# accepts, next to ONLY the collections galaxy.yml declares (copied from the `ansible` package in
# .venv: no Galaxy server is reachable here). Every playbook of the installed collection must parse
# there (a module of an undeclared collection fails at parse time), every module's documentation must
# render, and a Molecule scenario is converged, re-run (0 changed) and checked (0 changed) from it.
# Usage: scripts/tarball-check.sh [converge SCENARIO]
#   alone: build, install, parse every playbook, render every module's doc;
#   converge SCENARIO: then run that scenario's converge, re-run and check pass with this controller
#   (its converge must name roles by FQCN). `make molecule` runs TARBALL_SCENARIO this way instead
#   of its usual run, so no scenario runs twice.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}:${2:-}" in
  :) scenario= ;;
  converge:?*) scenario=$2 ;;
  *) echo "usage: $0 [converge SCENARIO]" >&2; exit 2 ;;
esac
say() { printf '\033[1m[tarball]\033[0m %s\n' "$*"; }
PY=${PYTHON:-python3.11}
dev=.venv
site=$dev/lib/python3.11/site-packages/ansible_collections
reqs=tests/oldest-controller/requirements.txt
work=.cache/tarball
t0=$SECONDS

# The pinned ansible-core is the lower bound of requires_ansible, or the bound is untested.
bound=$("$dev/bin/python" -c 'import yaml,re; print(re.match(r">=\s*([0-9.]+)", yaml.safe_load(open("meta/runtime.yml"))["requires_ansible"]).group(1))')
pinned=$(sed -n 's/^ansible-core==//p' "$reqs")
[ "$bound" = "$pinned" ] || { say "meta/runtime.yml starts at $bound but $reqs pins ansible-core $pinned"; exit 1; }

# The controller's own Python requirements (meta/ee-requirements.txt) are part of it, pinned.
while read -r pkg; do
  grep -qi "^$pkg==" "$reqs" || { say "$reqs does not pin $pkg of meta/ee-requirements.txt"; exit 1; }
done < <(sed -n 's/^\([A-Za-z0-9_.-]*\)[<>=].*/\1/p' meta/ee-requirements.txt)

# A second venv, in the machine's cache like .venv (scripts/lib/cached-venv.sh).
venv=.cache/venv-oldest
# shellcheck source=scripts/lib/cached-venv.sh
. scripts/lib/cached-venv.sh
if ! cached_venv "$venv" "$PY" "$reqs" 'import ansible' | while IFS= read -r line; do say "$line"; done; then
  say "the venv of $reqs could not be made"; exit 1
fi
# The whole output first, then the match: `| grep -q` closed the pipe while ansible was still
# writing, and ansible failed on the broken pipe.
version=$("$venv/bin/ansible" --version)
[[ $version == *"core $pinned]"* ]] || { say "$venv does not run ansible-core $pinned"; exit 1; }

rm -rf "$work" && mkdir -p "$work/build" "$work/collections/ansible_collections" "$work/harness/ansible_collections/community" "$work/no-roles"
"$dev/bin/ansible-galaxy" collection build --force --output-path "$work/build" . >/dev/null
tarball=$(ls "$work"/build/xmpp-stack-*.tar.gz)

# Only the declared dependencies, as the `ansible` package carries them.
deps=$("$dev/bin/python" -c 'import yaml; print(" ".join(yaml.safe_load(open("galaxy.yml")).get("dependencies") or {}))')
for dep in $deps; do
  ns=${dep%%.*} name=${dep#*.}
  [ -d "$site/$ns/$name" ] || { say "$dep is declared but the ansible package in $dev does not carry it"; exit 1; }
  mkdir -p "$work/collections/ansible_collections/$ns"
  cp -a "$site/$ns/$name" "$work/collections/ansible_collections/$ns/$name"
done
# What makes the test hosts is not content: community.docker's modules (Molecule's create and
# destroy; Ansible reaches the hosts by ssh, testbed.sh), on its own path.
cp -a "$site/community/docker" "$work/harness/ansible_collections/community/docker"

# The oldest controller sees the install and nothing else: not this checkout's roles or ansible.cfg.
oldest() {
  (cd "$work" && ANSIBLE_COLLECTIONS_PATH="$PWD/collections" ANSIBLE_ROLES_PATH="$PWD/no-roles" \
    "$OLDPWD/$venv/bin/$1" "${@:2}")
}
# --offline: the dependencies must already be there and satisfy galaxy.yml's ranges.
oldest ansible-galaxy collection install --offline -p collections "build/$(basename "$tarball")" >"$work/install.log" 2>&1 \
  || { cat "$work/install.log"; say "the tarball does not install next to its declared dependencies"; exit 1; }
installed=$work/collections/ansible_collections/xmpp/stack
for m in "$installed"/plugins/modules/*.py; do
  oldest ansible-doc "xmpp.stack.$(basename "$m" .py)" >/dev/null
done
for p in "$installed"/playbooks/*.yml; do
  name=xmpp.stack.$(basename "$p" .yml)
  oldest ansible-playbook -i "$PWD/inventories/split/hosts.yml" --syntax-check "$name" >"$work/syntax.log" 2>&1 \
    || { cat "$work/syntax.log"; say "$name does not parse from the tarball"; exit 1; }
done
say "$(basename "$tarball") installed by ansible-core $pinned next to only ${deps// /, }; every playbook parses, every module's doc renders ($((SECONDS - t0)) s)"

[ -n "$scenario" ] || exit 0
MOLECULE_CONTROLLER="$PWD/$venv" \
MOLECULE_CONTROLLER_COLLECTIONS="$PWD/$work/collections:$PWD/$work/harness" \
MOLECULE_CONTROLLER_ROLES="$PWD/$work/no-roles" \
  scripts/molecule-scenario.sh "$scenario"
grep -q "core $pinned" "artifacts/molecule/$scenario/converge.log" \
  || { say "the converge log does not show ansible-core $pinned"; exit 1; }
say "converged $scenario from the tarball with ansible-core $pinned ($((SECONDS - t0)) s in all)"
