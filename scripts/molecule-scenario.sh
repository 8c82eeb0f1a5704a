#!/usr/bin/env bash
# Runs one Molecule scenario the way every scenario is proven: create, prepare, converge,
# idempotence (0 changed), a check-mode pass that must report 0 changed, verify, destroy.
# Usage: scripts/molecule-scenario.sh SCENARIO [--keep]   (--keep leaves the hosts up)
# With MOLECULE_CONTROLLER=VENV (scripts/tarball-check.sh), converge, idempotence and the check pass
# run that venv's ansible-playbook with MOLECULE_CONTROLLER_COLLECTIONS as the only collections and
# MOLECULE_CONTROLLER_ROLES as the roles path; create, prepare, verify and destroy stay on .venv.
# `make` exports TARBALL_SCENARIO: that scenario is proven from the built tarball with the oldest
# ansible-core (scripts/tarball-check.sh, which comes back here with MOLECULE_CONTROLLER set),
# instead of a second run with this controller.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${MOLECULE_CONTROLLER:-}" ] && [ "$1" = "${TARBALL_SCENARIO:-}" ]; then
  exec scripts/tarball-check.sh converge "$@"
fi
export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_FORCE_COLOR=0 PY_COLORS=0
scenario=$1 keep=${2:-}
# Hosts are named by scenario: two runs of one scenario on one machine would share containers, so
# the second waits for the first.
exec 9>"${TMPDIR:-/tmp}/xmpp-stack-molecule-$scenario.lock"
flock 9
log_dir=artifacts/molecule/$scenario
mkdir -p "$log_dir"
say() { printf '\033[1m[molecule %s]\033[0m %s\n' "$scenario" "$*"; }

# CPU seconds used so far by this shell's finished children: Ansible, pytest and the clients they
# start on this machine. Not in it: the test hosts' processes (not this shell's children) and Docker's
# daemons, which share the same 2 cores. The suite is CPU-bound, so beside the wall time this says
# how much of a step is the controller's own work.
children_cpu() { awk '{ print $16 + $17 }' /proc/$$/stat; }  # in clock ticks

step() { # step NAME CMD... : runs one step, its output in the log, the tail shown on failure
  local name=$1; shift
  local t0=$SECONDS c0
  c0=$(children_cpu)
  if "$@" >"$log_dir/$name.log" 2>&1; then
    say "$name ok ($((SECONDS - t0)) s, controller CPU $((($(children_cpu) - c0) / $(getconf CLK_TCK))) s)"
  else
    say "$name FAILED ($((SECONDS - t0)) s); last lines of $log_dir/$name.log:"
    tail -60 "$log_dir/$name.log"
    return 1
  fi
}

controller() { # controller CMD... : CMD with the other controller first on PATH, if one is given
  if [ -z "${MOLECULE_CONTROLLER:-}" ]; then "$@"; return; fi
  # The step's log starts with the version and collection paths that really ran it.
  (export PATH="$MOLECULE_CONTROLLER/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$MOLECULE_CONTROLLER_COLLECTIONS" \
     ANSIBLE_ROLES_PATH="$MOLECULE_CONTROLLER_ROLES"
   ansible-playbook --version && "$@")
}

check_pass() {
  # A converged host must show 0 changed (and no failure) when converged again in check mode.
  molecule converge -s "$scenario" -- --check --diff || return 1
  ! grep -E '(changed|failed|unreachable)=[1-9]' <<<"$(sed -n '/PLAY RECAP/,$p' "$log_dir/check.log")"
}

cleanup() { [ "$keep" = --keep ] || molecule destroy -s "$scenario" >"$log_dir/destroy.log" 2>&1 || true; }
trap cleanup EXIT

step destroy-before molecule destroy -s "$scenario"
step syntax molecule syntax -s "$scenario"
step create molecule create -s "$scenario"
step prepare molecule prepare -s "$scenario"
step converge controller molecule converge -s "$scenario"
step idempotence controller molecule idempotence -s "$scenario"
step check controller check_pass
step verify molecule verify -s "$scenario"
say "passed"
