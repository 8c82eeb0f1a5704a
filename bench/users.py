# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: ensure N Prosody accounts with prosody_user against the per-user prosodyctl loop.

Everything runs on one throwaway Debian 13 test host, in the same run:
  1. the hashing floor: N x one PBKDF2 at the server's hash and iteration count (measured there);
  2. the peers' way: a loop of one `prosodyctl shell user create` process per user, then a
     re-run loop of `prosodyctl shell user password` (peers cannot compare, so they set again);
  3. prosody_user with a users list of N accounts (update_password: always), then the same
     again, which must change nothing.
The module runs on the host exactly as Ansible runs it there (python3 with its argument file);
its time is the whole process, start to exit. Usage: .venv/bin/python bench/users.py [N]
Not part of `make test`; needs the test bed's image (scripts/testbed.sh ensure).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = "bench-users-trixie"
IMAGE = "xmpp-stack/debian:trixie"
HOST = "bench.test"
CONFIG = """admins = { }
modules_enabled = { "disco"; "roster"; "saslauth"; "tls"; "admin_shell" }
modules_disabled = { }
pidfile = "/run/prosody/prosody.pid"
authentication = "internal_hashed"
password_hash = "SHA-256"
log = { info = "/var/log/prosody/prosody.log"; error = "/var/log/prosody/prosody.err" }
VirtualHost "bench.test"
modules_enabled = { }
modules_disabled = { }
Include "conf.d/*.cfg.lua"
"""


def sh(*argv, stdin=None):
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, check=True).stdout


def on_host(script, stdin=None):
    """Run a bash script on the test host; returns its stdout."""
    return sh("docker", "exec", "-i", NAME, "bash", "-c", script, stdin=stdin)


def start_host():
    subprocess.run(["docker", "rm", "-f", NAME], capture_output=True, check=False)
    sh("docker", "run", "-d", "--name", NAME, "--hostname", NAME, "--cap-add", "SYS_ADMIN",
       "--security-opt", "seccomp=unconfined", "--cgroupns=host",
       "-v", "/sys/fs/cgroup/systemd:/sys/fs/cgroup/systemd:rw", "--tmpfs", "/run", "--tmpfs", "/run/lock",
       "--tmpfs", "/tmp", "--stop-signal", "SIGRTMIN+3", "--add-host", "aptcache:host-gateway",
       "-e", "container=docker", IMAGE, "/sbin/init")
    on_host("systemctl is-system-running --wait >/dev/null || true; apt-get update -q >/dev/null; "
            "DEBIAN_FRONTEND=noninteractive apt-get install -y -q prosody >/dev/null; "
            "rm -f /etc/prosody/conf.d/localhost.cfg.lua; cat > /etc/prosody/prosody.cfg.lua; "
            "systemctl restart prosody; for i in $(seq 50); do prosodyctl shell server version "
            ">/dev/null 2>&1 && break; sleep 0.2; done", stdin=CONFIG)


def ship_module():
    """Copy the collection's module and Ansible's module_utils (what AnsiballZ would carry)."""
    import ansible
    ansible_dir = os.path.dirname(ansible.__file__)
    with tempfile.TemporaryDirectory() as tmp:
        archive = os.path.join(tmp, "bench.tar")
        with tarfile.open(archive, "w") as tar:
            for part in ("__init__.py", "release.py", "_vendor", "module_utils"):
                tar.add(os.path.join(ansible_dir, part), arcname="ansible/" + part)
            tar.add(os.path.join(ROOT, "plugins"), arcname="ansible_collections/xmpp/stack/plugins")
        subprocess.run(["docker", "cp", archive, NAME + ":/root/bench.tar"], check=True)
    on_host("mkdir -p /root/bench && tar -C /root/bench -xf /root/bench.tar && "
            "touch /root/bench/ansible_collections/__init__.py /root/bench/ansible_collections/xmpp/__init__.py "
            "/root/bench/ansible_collections/xmpp/stack/__init__.py")


def floor_per_hash(samples=200):
    """One PBKDF2-HMAC at the server's configured hash and iteration count, on the host."""
    code = ("import hashlib,time\n"
            "t=time.perf_counter()\n"
            "for i in range(%d): hashlib.pbkdf2_hmac('sha256', b'benchmark-pw', b'0f8fad5b-d9cb-469f-a165-70867728950e', 10000)\n"
            "print((time.perf_counter()-t)/%d)\n" % (samples, samples))
    return float(on_host("python3 -", stdin=code))


def peer_loop(users, command):
    """One prosodyctl process per user, as the roles that shell out do (passwords on argv)."""
    lines = "\n".join("%s %s" % (user, password) for user, password in users)
    script = ('start=$(date +%%s.%%N); while read -r u p; do prosodyctl shell user %s "$u@%s" "$p" '
              '>/dev/null; done; end=$(date +%%s.%%N); echo "$start $end"' % (command, HOST))
    start, end = on_host(script, stdin=lines + "\n").split()
    return float(end) - float(start)


def module_run(users):
    args = {"ANSIBLE_MODULE_ARGS": {"host": HOST, "users": [
        {"name": user, "password": password} for user, password in users], "update_password": "always"}}
    on_host("cat > /root/bench/args.json", stdin=json.dumps(args))
    out = on_host("cd /root/bench && start=$(date +%s.%N); "
                  "PYTHONPATH=/root/bench python3 -m ansible_collections.xmpp.stack.plugins.modules.prosody_user "
                  "args.json > result.json; end=$(date +%s.%N); echo \"$start $end\"; cat result.json")
    times, result = out.split("\n", 1)
    start, end = times.split()
    result = json.loads(result)
    if result.get("failed"):
        raise SystemExit("module failed: %s" % result.get("msg"))
    return float(end) - float(start), result


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print("Starting a Debian 13 host with Prosody 13 (%s)..." % NAME, flush=True)
    start_host()
    ship_module()
    try:
        version = on_host("prosodyctl shell server version").strip().splitlines()[-1]
        per_hash = floor_per_hash()
        floor = count * per_hash
        peers = [("peer%d" % i, secrets.token_urlsafe(12)) for i in range(count)]
        ours = [("user%d" % i, secrets.token_urlsafe(12)) for i in range(count)]
        print("Prosody: %s; %d accounts each way; SHA-256, 10000 iterations" % (version, count), flush=True)
        peer_first = peer_loop(peers, "create")
        peer_again = peer_loop(peers, "password")
        ours_first, first = module_run(ours)
        ours_again, again = module_run(ours)
        assert first["changed"] and len(first["changes"]["create"]) == count, first
        assert not again["changed"], again
        rows = [
            ("hashing floor (N x one PBKDF2)", floor),
            ("peers: prosodyctl loop, first run", peer_first),
            ("peers: prosodyctl loop, re-run", peer_again),
            ("prosody_user, first run (created %d)" % count, ours_first),
            ("prosody_user, re-run (0 changed)", ours_again),
        ]
        for label, seconds in rows:
            print("  %-42s %8.2f s  %7.2f ms/user" % (label, seconds, seconds * 1000 / count))
        print("one PBKDF2: %.2f ms" % (per_hash * 1000))
        print("speed-up vs peers, first run: %.1fx (goal >= 10x)" % (peer_first / ours_first))
        print("speed-up vs peers, re-run:    %.1fx (goal >= 10x)" % (peer_again / ours_again))
        print("first run / hashing floor:    %.2f (goal <= 1.5)" % (ours_first / floor))
        print("re-run / hashing floor:       %.2f (goal <= 1.5)" % (ours_again / floor))
    finally:
        subprocess.run(["docker", "rm", "-f", NAME], capture_output=True, check=False)


if __name__ == "__main__":
    main()
