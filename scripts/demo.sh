#!/usr/bin/env bash
# make demo: the split inventory (inventories/split) on local systemd test hosts, deployed by
# playbooks/site.yml, then a demo account per domain; prints how to reach the result.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_CONFIG="$PWD/ansible.cfg"
say() { printf '\033[1m[demo]\033[0m %s\n' "$*"; }
inv=(-i inventories/split/hosts.yml -i scripts/demo/inventory.yml)
mkdir -p artifacts/demo

say "starting the local test hosts"
ansible-playbook "${inv[@]}" scripts/demo/hosts.yml >artifacts/demo/hosts.log
subnet=$(docker network inspect xmpp-stack-demo -f '{{ (index .IPAM.Config 0).Subnet }}')
peer_range=$(python3 -c 'import ipaddress,sys; n=ipaddress.ip_network(sys.argv[1]); print(f"{n[0]}-{n[-1]}")' "$subnet")
say "deploying with playbooks/site.yml (log: artifacts/demo/site.log)"
t0=$SECONDS
ansible-playbook "${inv[@]}" -e @scripts/demo/vars.yml \
  -e "{\"coturn_allowed_peer_ips\": [\"$peer_range\"]}" playbooks/site.yml >artifacts/demo/site.log 2>&1 \
  || { tail -40 artifacts/demo/site.log; exit 1; }
sed -n '/PLAY RECAP/,$p' artifacts/demo/site.log
say "site.yml took $((SECONDS - t0)) s"
ansible-playbook "${inv[@]}" scripts/demo/accounts.yml >artifacts/demo/accounts.log 2>&1 \
  || { tail -20 artifacts/demo/accounts.log; exit 1; }

demo_dir=$HOME/.local/share/xmpp-stack/demo
echo
say "the demo stack is up:"
ansible-inventory "${inv[@]}" -e @scripts/demo/vars.yml --list >artifacts/demo/inventory.json
python3 - "$demo_dir" <<'PY'
import json, subprocess, sys
demo_dir = sys.argv[1]
inv = json.load(open("artifacts/demo/inventory.json"))
for host in inv["xmpp_servers"]["hosts"]:
    ip = subprocess.run(["docker", "inspect", "-f",
                         '{{ (index .NetworkSettings.Networks "xmpp-stack-demo").IPAddress }}', host],
                        capture_output=True, text=True, check=True).stdout.strip()
    for vh in inv["_meta"]["hostvars"][host]["prosody_virtual_hosts"]:
        d = vh["name"]
        print(f"  XMPP domain {d} on {host} at {ip} (c2s 5222 STARTTLS, 5223 direct TLS, HTTPS 5281)")
        print(f"    account demo@{d}, password in {demo_dir}/demo@{d}")
        print(f"    to connect by name, add to /etc/hosts: {ip} {d} upload.{d} conference.{d}")
PY
echo "  certificates are signed by the demo CA: $HOME/.local/share/xmpp-stack/demo-ca"
echo "  remove everything with: make clean"
