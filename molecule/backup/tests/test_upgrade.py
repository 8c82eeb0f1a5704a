"""upgrade.yml on the restored hosts: the Debian 12 XMPP host goes to Debian 13 and the newest
Prosody 13 from trixie-backports, the database host (already Debian 13) is backed up and counted.
A configuration that `prosodyctl check config` rejects stops the run on the first host before
Prosody restarts and before the second host; once fixed, the same run upgrades both with identical counts and working logins."""
import json
import pathlib
import re

from conftest import DB, DOMAIN, PROJECT, XMPP, on_host, playbook, server
from conftest_helpers import create_accounts
from xmpp_client import login, mam_bodies, send_chat

UPGRADE = str(pathlib.Path(PROJECT) / "playbooks" / "upgrade.yml")
# Containers cannot reboot (PID 1 ending stops them): Prosody is restarted instead.
EXTRA = {"upgrade_reboot": False}
BROKEN = "/etc/prosody/conf.d/zz-injected-failure.cfg.lua"


def snapshot_count(host):
    return len(json.loads(on_host(host, "xmpp-stack-restic", "snapshots", "--json", "--host", host).stdout))


def test_a_failing_host_stops_the_upgrade_before_the_next(state):
    carol = create_accounts(XMPP, DOMAIN, ["carol"])["carol"]
    state["carol"] = carol
    state["body"] = "before the upgrade"
    send_chat(server(), carol, carol[0], state["body"])
    db_snapshots = snapshot_count(DB)
    # A global-only option in a VirtualHost section: Prosody runs on (it ignores it there), but
    # `prosodyctl check config` reports the problem, as it would after a bad upgrade.
    on_host(XMPP, "sh", "-c", f"printf 'VirtualHost \"{DOMAIN}\"\\n  c2s_ports = {{ 5222 }}\\n' > {BROKEN}")
    assert on_host(XMPP, "prosodyctl", "check", "config", check=False).returncode != 0
    result, seconds = playbook(UPGRADE, EXTRA)
    output = result.stdout + result.stderr
    state["failed_run_seconds"] = seconds
    assert result.returncode != 0
    assert f"The upgrade of {XMPP} failed at 'Check Prosody's configuration before the restart'" in output
    # The second host got no task at all, and no new backup.
    assert DB not in output.split("PLAY RECAP")[0], output[-2000:]
    assert snapshot_count(DB) == db_snapshots
    # The held-back restart kept the running Prosody serving.
    assert login(server(), *carol).jid.startswith("carol@")
    assert on_host(XMPP, "test", "-e", "/usr/sbin/policy-rc.d", check=False).returncode == 1


def test_the_fixed_run_upgrades_every_host_with_identical_counts(state):
    on_host(XMPP, "rm", "-f", BROKEN)
    db_snapshots = snapshot_count(DB)
    result, seconds = playbook(UPGRADE, EXTRA)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert f"Same counts on {XMPP} after the upgrade" in output
    assert f"Same counts on {DB} after the upgrade" in output
    assert on_host(XMPP, "cat", "/etc/debian_version").stdout.startswith("13")
    version = on_host(XMPP, "dpkg-query", "-W", "-f=${Version}", "prosody").stdout
    assert re.match(r"13\.0\.(\d+)", version) and int(re.match(r"13\.0\.(\d+)", version).group(1)) > 1, version
    assert snapshot_count(DB) == db_snapshots + 1
    carol = state["carol"]
    assert login(server(), *carol).jid.startswith("carol@")
    assert state["body"] in mam_bodies(server(), carol)
    with open(pathlib.Path(PROJECT, "artifacts", "molecule", "backup", "measurements.txt"), "a") as out:
        out.write(f"upgrade.yml stopped at the injected failure: {state['failed_run_seconds']:.0f} s\n"
                  f"upgrade.yml Debian 12 -> 13 and Prosody {version}: {seconds:.0f} s\n")
