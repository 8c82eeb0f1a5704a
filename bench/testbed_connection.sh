#!/usr/bin/env bash
# How the test bed reaches its hosts, side by side in one run: the machine's CPU (all of it: Ansible,
# the docker CLI, dockerd, containerd, runc, the hosts) and the wall time of one idempotent converge
# of a scenario's hosts, reached
#   docker: by community.docker's connection plugin (one `docker exec`, so one runc exec, per task);
#   ssh:    by ssh through `docker exec -i HOST testbed-sshd` with one ControlMaster per host (what
#           .config/molecule/config.yml does).
# The two alternate ROUNDS times on the same hosts, so a machine that speeds up or slows down during
# the run weighs on both. Only Molecule's instance config changes between them. Not part of make test.
# Usage: bench/testbed_connection.sh [SCENARIO]   (ROUNDS=3 by default; prosody by default)
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-prosody}
rounds=${ROUNDS:-3}
export PATH="$PWD/.venv/bin:$PATH"
make -s bootstrap testbed >/dev/null

# The same lock as scripts/molecule-scenario.sh: never two runs on one scenario's hosts.
exec 9>"${TMPDIR:-/tmp}/xmpp-stack-molecule-$scenario.lock"
flock 9
log=artifacts/bench/testbed_connection
mkdir -p "$log"
cleanup() { molecule destroy -s "$scenario" >"$log/destroy.log" 2>&1; }
trap cleanup EXIT

busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }  # clock ticks, all cores
tck=$(getconf CLK_TCK)

echo "== $scenario: create and first converge =="
molecule destroy -s "$scenario" >"$log/destroy.log" 2>&1
molecule create -s "$scenario" >"$log/create.log" 2>&1
molecule converge -s "$scenario" >"$log/converge.log" 2>&1
conf=$(find "$HOME"/.ansible/tmp -maxdepth 2 -path "*/molecule.*.$scenario/instance_config.yml" -printf '%T@ %p\n' \
  | sort -n | tail -1 | cut -d' ' -f2-)
[ -n "$conf" ] || { echo "no instance config of $scenario under ~/.ansible/tmp"; exit 1; }
cp "$conf" "$log/instance_config.ssh.yml"
# Docker's plugin as the test bed used it before: no user (a user makes it ask `docker version`
# on every task), the container's name as the address.
python3 - "$conf" >"$log/instance_config.docker.yml" <<'PY'
import json, sys
import yaml
hosts = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
for h in hosts:
    h["connection"] = "community.docker.docker"
    h.pop("user", None)
    h.pop("port", None)
print("\n".join("- " + json.dumps(h) for h in hosts))
PY

declare -A cpu wall
for mode in docker ssh; do cpu[$mode]=0; wall[$mode]=0; done
for round in $(seq "$rounds"); do
  for mode in docker ssh; do
    cp "$log/instance_config.$mode.yml" "$conf"
    b0=$(busy); t0=$(date +%s%N)
    molecule converge -s "$scenario" >"$log/$mode-$round.log" 2>&1
    b1=$(busy); t1=$(date +%s%N)
    # An idempotent run: anything changed would be other work than the connection's.
    if grep -E "changed=[1-9]" "$log/$mode-$round.log"; then echo "$mode round $round changed something"; exit 1; fi
    c=$(( (b1 - b0) * 1000 / tck )); w=$(( (t1 - t0) / 1000000 ))
    cpu[$mode]=$(( cpu[$mode] + c )); wall[$mode]=$(( wall[$mode] + w ))
    printf '%-6s round %d: machine CPU %6.1f s, wall %5.1f s\n' "$mode" "$round" "${c}e-3" "${w}e-3"
  done
done
cp "$log/instance_config.ssh.yml" "$conf"
printf 'mean over %d rounds: docker CPU %.1f s wall %.1f s; ssh CPU %.1f s wall %.1f s; ssh/docker CPU %.2f, wall %.2f\n' \
  "$rounds" "$(( cpu[docker] / rounds ))e-3" "$(( wall[docker] / rounds ))e-3" \
  "$(( cpu[ssh] / rounds ))e-3" "$(( wall[ssh] / rounds ))e-3" \
  "$(( cpu[ssh] * 1000 / cpu[docker] ))e-3" "$(( wall[ssh] * 1000 / wall[docker] ))e-3"
