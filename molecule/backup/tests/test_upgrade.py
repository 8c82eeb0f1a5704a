"""upgrade.yml on the restored hosts (with the new machines' inventory): the Debian 12 XMPP host
goes to Debian 13 and the newest Prosody 13 from trixie-backports, the Debian 12 database host to
Debian 13 and its PostgreSQL 15 cluster to 17 (pg_upgradecluster), one host at a time. A
configuration that `prosodyctl check config` rejects stops the run on the first host before
Prosody restarts and before the second host; once fixed, the same run upgrades both with
identical counts and working logins, and the database host keeps only the 17 cluster."""
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
    state["later_body"] = "before the upgrade"
    send_chat(server(), carol, carol[0], state["later_body"])
    db_snapshots = snapshot_count(DB)
    # A global-only option in a VirtualHost section: Prosody runs on (it ignores it there), but
    # `prosodyctl check config` reports the problem, as it would after a bad upgrade.
    on_host(XMPP, "sh", "-c", f"printf 'VirtualHost \"{DOMAIN}\"\\n  c2s_ports = {{ 5222 }}\\n' > {BROKEN}")
    assert on_host(XMPP, "prosodyctl", "check", "config", check=False).returncode != 0
    result, seconds = playbook(UPGRADE, EXTRA, inventories=state["inventories"])
    output = result.stdout + result.stderr
    state["failed_run_seconds"] = seconds
    assert result.returncode != 0
    assert f"The upgrade of {state['xmpp_name']} failed at 'Check Prosody's configuration before the restart'" in output
    # The second host got no task at all, and no new backup.
    assert DB not in output.split("PLAY RECAP")[0], output[-2000:]
    assert snapshot_count(DB) == db_snapshots
    assert on_host(DB, "cat", "/etc/debian_version").stdout.startswith("12")
    # The held-back restart kept the running Prosody serving.
    assert login(server(), *carol).jid.startswith("carol@")
    assert on_host(XMPP, "test", "-e", "/usr/sbin/policy-rc.d", check=False).returncode == 1


def test_the_fixed_run_upgrades_every_host_with_identical_counts(state):
    on_host(XMPP, "rm", "-f", BROKEN)
    db_snapshots = snapshot_count(DB)
    result, seconds = playbook(UPGRADE, EXTRA, inventories=state["inventories"])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert f"Same counts on {state['xmpp_name']} after the upgrade" in output
    assert f"Same counts on {DB} after the upgrade" in output
    for host in (XMPP, DB):
        assert on_host(host, "cat", "/etc/debian_version").stdout.startswith("13"), host
    version = on_host(XMPP, "dpkg-query", "-W", "-f=${Version}", "prosody").stdout
    assert re.match(r"13\.0\.(\d+)", version) and int(re.match(r"13\.0\.(\d+)", version).group(1)) > 1, version
    # The database runs in PostgreSQL 17's main cluster on the port Prosody uses, as a systemd
    # service started at boot; the 15 cluster and its server package are gone.
    clusters = on_host(DB, "pg_lsclusters", "--no-header").stdout.split("\n")
    assert [line.split()[:4] for line in clusters if line.strip()] == [["17", "main", "5432", "online"]], clusters
    assert on_host(DB, "systemctl", "is-enabled", "postgresql@17-main", check=False).stdout.strip() == "enabled"
    assert on_host(DB, "systemctl", "is-active", "postgresql@17-main", check=False).stdout.strip() == "active"
    assert on_host(DB, "systemctl", "is-enabled", "postgresql@15-main", check=False).stdout.strip() != "enabled"
    assert "install ok installed" not in on_host(DB, "dpkg-query", "-W", "-f=${Status}", "postgresql-15",
                                                 check=False).stdout
    assert snapshot_count(DB) == db_snapshots + 1
    carol = state["carol"]
    assert login(server(), *carol).jid.startswith("carol@")
    assert state["later_body"] in mam_bodies(server(), carol)
    assert state["body"] in mam_bodies(server(), state["alice"], with_jid=state["bob"][0])
    with open(pathlib.Path(PROJECT, "artifacts", "molecule", "backup", "measurements.txt"), "a") as out:
        out.write(f"upgrade.yml stopped at the injected failure: {state['failed_run_seconds']:.0f} s\n"
                  f"upgrade.yml Debian 12 -> 13 (both hosts, PostgreSQL 15 -> 17) and Prosody {version}: {seconds:.0f} s\n")
