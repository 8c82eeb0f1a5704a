#!/usr/bin/env bash
# make demo: the split inventory (inventories/split) on local systemd test hosts, deployed by
# playbooks/site.yml, then a demo account per domain; prints how to reach the result.
# The hosts and the inventory overlay are those of the Molecule `stack` scenario: the demo is that
# scenario's converge, kept running (so `make test` replaces the demo's hosts with fresh ones).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_FORCE_COLOR=0 PY_COLORS=0
say() { printf '\033[1m[demo]\033[0m %s\n' "$*"; }
mkdir -p artifacts/demo
log() { "$@" >"artifacts/demo/$2.log" 2>&1 || { tail -40 "artifacts/demo/$2.log"; exit 1; }; }

say "starting the local test hosts"
log molecule create -s stack
log molecule prepare -s stack
subnet=$(docker network inspect xmpp-stack-stack -f '{{ (index .IPAM.Config 0).Subnet }}')
peer_range=$(python3 -c 'import ipaddress,sys; n=ipaddress.ip_network(sys.argv[1]); print(f"{n[0]}-{n[-1]}")' "$subnet")
say "deploying with playbooks/site.yml (log: artifacts/demo/converge.log)"
t0=$SECONDS
# Demo only, never a default: the relay may reach the demo network itself (a private range that
# coturn refuses by default), so calls between clients on this machine can relay.
log molecule converge -s stack -- -e "{\"coturn_allowed_peer_ips\": [\"$peer_range\"]}"
sed -n '/PLAY RECAP/,$p' artifacts/demo/converge.log
say "site.yml took $((SECONDS - t0)) s"
# The side effect of the stack scenario is scripts/demo/accounts.yml.
log molecule side-effect -s stack

demo_dir=$HOME/.local/share/xmpp-stack/demo
echo
say "the demo stack is up:"
python - "$demo_dir" <<'PY'
import pathlib, subprocess, sys
import yaml
demo_dir = sys.argv[1]
for path in sorted(pathlib.Path("molecule/stack/inventory/host_vars").glob("*.yml")):
    host = path.stem
    ip = subprocess.run(["docker", "inspect", "-f",
                         '{{ (index .NetworkSettings.Networks "xmpp-stack-stack").IPAddress }}', host],
                        capture_output=True, text=True, check=True).stdout.strip()
    for vh in yaml.safe_load(path.read_text())["prosody_virtual_hosts"]:
        d = vh["name"]
        print(f"  XMPP domain {d} on {host} at {ip} (c2s 5222 STARTTLS, 5223 direct TLS, HTTPS 5281)")
        print(f"    account demo@{d}, password in {demo_dir}/demo@{d}")
        print(f"    to connect by name, add to /etc/hosts: {ip} {d} upload.{d} conference.{d}")
mon = subprocess.run(["docker", "inspect", "-f",
                      '{{ (index .NetworkSettings.Networks "xmpp-stack-stack").IPAddress }}', "mon1.example.org"],
                     capture_output=True, text=True, check=True).stdout.strip()
print(f"  Prometheus at http://{mon}:9090 (user admin, password in "
      f"{demo_dir}-credentials/prometheus-web)")
PY
echo "  certificates are signed by the demo CA: $HOME/.local/share/xmpp-stack/demo-ca/ca.crt"
echo "  remove everything with: make clean"
