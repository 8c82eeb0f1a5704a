"""Partial runs are safe: after a full run, site.yml limited to any one host, or to the prosody tag,
changes nothing anywhere (the wiring of the hosts in the run reads the names and addresses of
those outside it, gathered for the run), and Prometheus still finds every target up with no alert
firing. A host whose address cannot be known stops the run before anything changes.

Drift: before the limited runs, a line of prosody.cfg.lua, of the fail2ban jail and of the
VirtualHost's lab certificate on one XMPP host; a module the role ships, the mode of one of its
directories, the database password file Prosody reads and fail2ban's start at boot on the other;
and a line of turnserver.conf on the TURN host are changed by hand. The limited runs of those hosts
change exactly that back (byte for byte) and run its handler; nothing else changes anywhere. The
role's one read of its directories, shipped modules, the files it writes and its services must see
every edit (the tasks that repair them are skipped when that read finds nothing different).

Names come from the hosts, not from inventory aliases: the prosody tag runs from an inventory that
lists the TURN host under a short name that resolves nowhere ('turn', reached through
ansible_host), and Prosody keeps handing its clients the TURN host's FQDN (nothing changes)."""
import os
import re
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest
from conftest import HOSTS, credential, prometheus_api, recap, run_site, target_health
from conftest_helpers import wait_for

SCENARIO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHORT_NAMES = """\
all:
  vars:
    ansible_connection: community.docker.docker
  children:
    xmpp_servers:
      hosts:
        xmpp1.example.org:
        xmpp2.example.net:
    db_servers:
      hosts:
        db1.example.org:
    turn_servers:
      hosts:
        turn:
          ansible_host: turn1.example.org
    monitoring_servers:
      hosts:
        mon1.example.org:
"""
SECRETS = ("postgres-prosody", "coturn-secret", "prometheus-web")
# Hand edits: host -> (managed file, the shell command that edits it and more, what the run must
# change on that host: the tasks that write them, then the handler that applies them).
HEALTH_MODULE = "/usr/local/lib/prosody/xmpp-stack/mod_health_check/mod_health_check.lua"
F2B_JAIL = "/etc/fail2ban/jail.d/xmpp-stack-prosody.conf"
LAB_CERT = "/etc/prosody/certs/alpha.example.test.crt"
SQL_PASSWORD = "/etc/prosody/secrets/sql-password"
DRIFT = {
    "xmpp1.example.org": ("/etc/prosody/prosody.cfg.lua",
                          "sed -i 's/^c2s_require_encryption = true$/c2s_require_encryption = false/' /etc/prosody/prosody.cfg.lua"
                          f" && sed -i '$a # edited by hand' {F2B_JAIL} && echo >> {LAB_CERT}",
                          ["xmpp.stack.prosody : lab_certificate | Install the certificates and keys on the host",
                           "xmpp.stack.prosody : configure | Write prosody.cfg.lua from the configuration data model",
                           "xmpp.stack.prosody : configure | Install the Prosody filter (checked against real Prosody lines) and jail for fail2ban",
                           "xmpp.stack.prosody : Reload Prosody",
                           "xmpp.stack.prosody : Reload fail2ban"]),
    "xmpp2.example.net": (HEALTH_MODULE,
                          f"sed -i '$a -- edited by hand' {HEALTH_MODULE} && chmod 0700 /etc/systemd/system/prosody.service.d"
                          f" && echo 'edited by hand' > {SQL_PASSWORD} && systemctl disable --quiet fail2ban",
                          ["xmpp.stack.prosody : Create the directories on the host",
                           "xmpp.stack.prosody : modules | Copy the modules that ship with this role (health endpoint, failed-login counter)",
                           "xmpp.stack.prosody : configure | Write the secrets Prosody reads with FileLine()",
                           "xmpp.stack.prosody : run | Start Prosody and fail2ban now and at boot",
                           "xmpp.stack.prosody : Restart Prosody"]),
    "turn1.example.org": ("/etc/turnserver.conf", "sed -i 's/^stale-nonce=600$/stale-nonce=6000/' /etc/turnserver.conf",
                          ["xmpp.stack.coturn : Configure | Write turnserver.conf",
                           "xmpp.stack.coturn : Restart coturn"]),
}
# What the preflight lists for each host: the wired values inventory/ sets itself.
OVERRIDES = {"xmpp1.example.org": "prosody_sql_host: postgres.example.test",
             "xmpp2.example.net": "prosody_sql_host: postgres.example.test",
             "db1.example.org": "postgres_listen_addresses:",
             "turn1.example.org": "coturn_tls_enabled: false"}


def epoch(timestamp):
    """Seconds since the epoch of one of Prometheus' UTC timestamps (2026-11-30T08:40:12.3Z)."""
    return datetime.strptime(timestamp[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()


@pytest.fixture(scope="module")
def finished():
    """When the last partial run of this module ended (time.time())."""
    return {}


def on_host(host, command):
    """Output of a shell command run as root on a scenario host (fails the test if it fails)."""
    return subprocess.run(["docker", "exec", host, "sh", "-c", command], capture_output=True, text=True,
                          check=True, timeout=60).stdout


def changed_tasks(output, host):
    """The tasks and handlers (role : name) that reported changed for host, in order."""
    changed, current = [], None
    for line in output.splitlines():
        title = re.match(r"^(?:TASK|RUNNING HANDLER) \[(.*)\]", line)
        if title:
            current = title.group(1)
        elif re.match(rf"^changed: \[{re.escape(host)}\]", line):
            changed.append(current)
    return changed


def task_output(output, title):
    """The output of every task whose title ([role : name]) starts with title, joined: a play that
    runs in batches prints one section per batch."""
    return "".join(task for task in re.split(r"^TASK ", output, flags=re.MULTILINE)
                   if task.startswith("[" + title))


@pytest.fixture(scope="module")
def drift():
    """Runs each DRIFT host's hand edit; {host: sha256 of its managed file before the edit}."""
    edits = {}
    for host, (path, command, _tasks) in DRIFT.items():
        before = on_host(host, f"sha256sum {path}").split()[0]
        on_host(host, command)
        after = on_host(host, f"sha256sum {path}").split()[0]
        assert after != before, f"the hand edit of {path} on {host} changed nothing: {command}"
        edits[host] = before
    return edits


@pytest.fixture(scope="module")
def limited_runs(finished, drift):
    """site.yml --limit HOST --diff for each host, started together: each touches only its own host,
    and together they take about half the time of one after the other (153 s against 340 s)."""
    with ThreadPoolExecutor(max_workers=len(HOSTS)) as pool:
        runs = dict(zip(HOSTS, pool.map(lambda host: run_site("--limit", host, "--diff"), HOSTS)))
    finished["at"] = time.time()
    return runs


def assert_nothing_changed(result):
    """The run succeeded with 0 changed everywhere and no secret in its output; returns its output."""
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    counters = recap(output)
    assert {host: (c["changed"], c["failed"], c["unreachable"]) for host, c in counters.items()} == \
        {host: (0, 0, 0) for host in counters}, output[output.rindex("PLAY RECAP"):]
    leaked = [name for name in SECRETS if credential(name) in output]
    assert not leaked, f"secrets in the output: {leaked}"
    return output


def assert_only_drift_repaired(result, host):
    """The run succeeded, changed on host exactly the hand-edited file and its handler, and nothing
    else; returns its output."""
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert changed_tasks(output, host) == DRIFT[host][2], output[output.rindex("PLAY RECAP"):]
    counters = recap(output)
    assert {h: (c["changed"], c["failed"], c["unreachable"]) for h, c in counters.items()} == \
        {host: (len(DRIFT[host][2]), 0, 0)}, output[output.rindex("PLAY RECAP"):]
    leaked = [name for name in SECRETS if credential(name) in output]
    assert not leaked, f"secrets in the output: {leaked}"
    return output


@pytest.mark.parametrize("host", [host for host in HOSTS if host not in DRIFT])
def test_limit_to_one_host_changes_nothing(host, limited_runs):
    output = assert_nothing_changed(limited_runs[host])
    # The monitoring role's one read of its settings files found them as they are: only the files
    # holding a secret (not read, their items hidden) went to the host again.
    task = task_output(output, "xmpp.stack.prometheus : configure | Write the settings")
    assert re.findall(rf"^skipping: \[{re.escape(host)}\] => \(item=/", task, re.MULTILINE), task[:2000]
    assert not re.findall(r"^(?:ok|changed): \[[^\]]+\] => \(item=/", task, re.MULTILINE), task[:2000]
    # Only the limited host ran tasks; the others were only asked for their facts.
    assert set(recap(output)) == {host}
    listing = output[output.index("List the wired values"):output.index("Give this host the wired value")]
    assert OVERRIDES.get(host, "skipping: [mon1.example.org]") in listing, listing


@pytest.mark.parametrize("host", sorted(DRIFT))
def test_limit_repairs_exactly_the_hand_edit(host, limited_runs, drift):
    output = assert_only_drift_repaired(limited_runs[host], host)
    path = DRIFT[host][0]
    assert on_host(host, f"sha256sum {path}").split()[0] == drift[host], f"{path} is not restored byte for byte"
    listing = output[output.index("List the wired values"):output.index("Give this host the wired value")]
    assert OVERRIDES.get(host, "skipping: [mon1.example.org]") in listing, listing
    if host == "xmpp1.example.org":
        # --diff shows the one line put back (turnserver.conf holds the TURN secret: no diff).
        assert "-c2s_require_encryption = false\n+c2s_require_encryption = true" in output.replace("\r", "")
        # The templated jail is found different by the role's one read, and written again.
        assert on_host(host, f"grep -c 'edited by hand' {F2B_JAIL} || true").strip() == "0"
        # The certificate is the controller's copy again: the empty line appended by hand is gone.
        assert on_host(host, f"tail -n 1 {LAB_CERT}") == "-----END CERTIFICATE-----\n"
    if host == "xmpp2.example.net":
        assert on_host(host, "stat -c %a /etc/systemd/system/prosody.service.d").strip() == "755"
        # The password Prosody reads is the inventory's again (Prosody restarted with it, and the
        # run's own SQL login check passed), and fail2ban starts at boot again.
        assert on_host(host, f"grep -c 'edited by hand' {SQL_PASSWORD} || true").strip() == "0"
        assert on_host(host, "systemctl is-enabled fail2ban").strip() == "enabled"


def test_skipping_a_roles_run_tag_changes_nothing(limited_runs, finished):
    # Each role's one read of the host is tagged always: a run that skips the role's run part
    # still reads the host, so no task mistakes an installed coturn for a new one (which would
    # mask it) and nothing changes.
    output = assert_nothing_changed(run_site("--limit", "turn1.example.org", "--skip-tags", "coturn_run,prometheus_run"))
    finished["at"] = time.time()
    assert "Read the packages, directories, files and services this role manages" in output
    assert on_host("turn1.example.org", "systemctl show -P UnitFileState coturn").strip() == "enabled"


@pytest.fixture(scope="module")
def short_name_inventory(tmp_path_factory):
    """The scenario's inventory with the TURN host under the short name 'turn'."""
    inventory = tmp_path_factory.mktemp("short-names")
    (inventory / "hosts.yml").write_text(SHORT_NAMES)
    shutil.copytree(os.path.join(SCENARIO, "inventory", "group_vars"), inventory / "group_vars")
    host_vars = shutil.copytree(os.path.join(SCENARIO, "inventory", "host_vars"), inventory / "host_vars")
    (host_vars / "turn1.example.org.yml").rename(host_vars / "turn.yml")
    return inventory


def test_prosody_tag_changes_nothing_even_with_a_short_turn_name(limited_runs, finished, short_name_inventory):
    output = assert_nothing_changed(run_site("--tags", "prosody", inventory_dir=short_name_inventory))
    finished["at"] = time.time()
    # Every host answered for its facts; the prosody role ran on both XMPP hosts (the other roles'
    # always-tagged checks run too).
    assert set(recap(output)) == set(HOSTS) - {"turn1.example.org"} | {"turn"}
    # The XMPP play runs in batches (rolling): one "PLAY [XMPP servers]" section per batch.
    play = "".join(section for section in re.split(r"^(?=PLAY \[)", output, flags=re.MULTILINE)
                   if section.startswith("PLAY [XMPP servers]"))
    ran_prosody = set(re.findall(r"^(?:ok|changed): \[([^\]\s]+)", task_output(play, "xmpp.stack.prosody : "),
                                 re.MULTILINE))
    assert ran_prosody == {"xmpp1.example.org", "xmpp2.example.net"}, play[-3000:]
    # The role's one read of its directories, shipped modules, the files it writes or removes and
    # its services found nothing different, so the tasks that would write them again were skipped
    # on both hosts (each costs a round trip per item).
    for name in ("Create the directories on the host", "modules | Copy the modules that ship with this role",
                 "lab_certificate | Install the certificates and keys", "lab_certificate | Install the lab CA certificate",
                 "configure | Install the configuration checks", "configure | Write the secrets",
                 "configure | Write prosody.cfg.lua", "configure | Record the restart-only settings",
                 "configure | Remove the service drop-ins", "configure | Install the Prosody filter",
                 "conversejs | Write each VirtualHost's page", "run | Start Prosody and fail2ban"):
        task = task_output(play, "xmpp.stack.prosody : " + name)
        assert re.findall(r"^(?:ok|changed): \[", task, re.MULTILINE) == [], task[:2000]
        assert {"xmpp1.example.org", "xmpp2.example.net"} <= set(re.findall(r"^skipping: \[([^\]\s]+)", task, re.MULTILINE)), task[:2000]


def test_every_target_is_still_up_and_no_alert_fires(limited_runs, finished):
    # A scrape after the last run, so a target broken by a run would show here.
    assert wait_for(lambda: min(epoch(last) for _health, last in target_health().values()) > finished["at"],
                    timeout=100)
    health = target_health()
    assert {target: up for target, (up, _last) in health.items()} == {target: "up" for target in health}
    firing = [a["labels"] for a in prometheus_api("alerts", credential("prometheus-web"))["alerts"]
              if a["state"] == "firing"]
    assert firing == []


def test_a_host_that_cannot_be_reached_for_its_address_stops_the_run_first(tmp_path):
    # A second monitoring host in the inventory that does not exist: xmpp1's metrics allow-list
    # would need its address, so the run must stop before any role, naming it.
    extra = tmp_path / "extra.yml"
    extra.write_text("monitoring_servers:\n  hosts:\n    mon9.example.org:\n"
                     "      ansible_connection: community.docker.docker\n")
    result = run_site("--limit", "xmpp1.example.org", inventories=[extra])
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "mon9.example.org" in output[output.index("Gather the names and addresses"):]
    assert "TASK [xmpp.stack." not in output
    assert all(c["changed"] == 0 for c in recap(output).values()), output[output.rindex("PLAY RECAP"):]
