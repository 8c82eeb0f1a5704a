"""The host firewall site.yml computes from the inventory groups (playbooks/vars/firewall.yml).

From the controller (a client on the test network, not a monitoring host) exactly the advertised
ports of each host connect; every other listening port is refused by the firewall
(admin-prohibited, or no answer), not by an absent listener. The exporters and Prosody's /metrics
answer the monitoring host only, PostgreSQL the XMPP hosts only, SSH the controller (and the
inventory's admin network, 192.0.2.0/24, none of the hosts). Converge loaded the rules as a change
the controller had to confirm with a new connection to port 22 (inventory/group_vars/all.yml);
a change that would cut the controller off is rolled back by the timer, the run fails saying so,
and nothing of it stays."""
import errno
import json
import socket

import pytest
import testinfra
from conftest import recap, run_site
from conftest_helpers import container_address

HOSTS = ["xmpp1.example.org", "xmpp2.example.net", "db1.example.org", "turn1.example.org",
         "mon1.example.org"]
XMPP = {22, 5000, 5222, 5223, 5269, 5281}
# What the controller may open on each host (TCP); TURN over TLS is off in this inventory.
ADVERTISED = {"xmpp1.example.org": XMPP, "xmpp2.example.net": XMPP, "db1.example.org": {22},
              "turn1.example.org": {22, 3478, 5349}, "mon1.example.org": {22, 9090}}
ROLLBACK = 20

# A TCP connection attempt run on a test host: open, closed (a reset: nothing listens) or
# filtered (the firewall's admin-prohibited answer, or no answer at all).
PROBE = r"""
import json, socket, sys
out = {}
for target in json.loads(sys.argv[1]):
    try:
        socket.create_connection((target[0], target[1]), timeout=3).close()
        out["%s:%s" % tuple(target)] = "open"
    except ConnectionRefusedError:
        out["%s:%s" % tuple(target)] = "closed"
    except OSError:
        out["%s:%s" % tuple(target)] = "filtered"
print(json.dumps(out))
"""


def host(name):
    return testinfra.get_host(f"docker://{name}")


@pytest.fixture(scope="module")
def addresses():
    return {name: container_address(name) for name in HOSTS}


def from_controller(address, port):
    try:
        socket.create_connection((address, port), timeout=3).close()
        return "open"
    except ConnectionRefusedError:
        return "closed"
    except OSError as error:
        assert isinstance(error, TimeoutError) or error.errno == errno.EHOSTUNREACH, error
        return "filtered"


def from_host(name, targets):
    """{"address:port": state} for TCP connections from the test host name."""
    out = host(name).check_output("python3 -c %s %s", PROBE, json.dumps(targets))
    return json.loads(out)


def listening(name):
    """TCP ports the host listens on at an address other than loopback."""
    ports = set()
    for line in host(name).check_output("ss -Htln").splitlines():
        local = line.split()[3]
        address, port = local.rsplit(":", 1)
        if not address.startswith(("127.", "[::1]")):
            ports.add(int(port))
    return ports


@pytest.mark.parametrize("name", HOSTS)
def test_only_the_advertised_ports_connect_from_the_controller(name, addresses):
    ports = listening(name)
    advertised = ADVERTISED[name] & ports
    # The services are really there (ssh from prepare.yml), so a refusal below is the firewall's.
    assert ADVERTISED[name] - {5349} <= ports
    states = {port: from_controller(addresses[name], port) for port in sorted(ports)}
    assert {port for port, state in states.items() if state == "open"} == advertised, states
    assert "closed" not in states.values(), states


def test_exporters_and_metrics_answer_the_monitoring_host_only(addresses):
    targets = ([[addresses[name], 9100] for name in HOSTS] + [[addresses["db1.example.org"], 9187]]
               + [[addresses[name], 5280] for name in ("xmpp1.example.org", "xmpp2.example.net")])
    assert set(from_host("mon1.example.org", targets).values()) == {"open"}
    for other in ("turn1.example.org", "xmpp2.example.net"):
        # A host's own ports go over loopback, which is always let in.
        others = [t for t in targets if t[0] != addresses[other]]
        assert set(from_host(other, others).values()) == {"filtered"}, other
    for target in targets:
        assert from_controller(*target) == "filtered", target


def test_metrics_over_http_answer_the_monitoring_host(addresses):
    url = f"http://{addresses['xmpp1.example.org']}:5280/metrics"
    script = f"import urllib.request; print(urllib.request.urlopen({url!r}, timeout=10).status)"
    assert host("mon1.example.org").check_output("python3 -c %s", script) == "200"


def test_postgres_answers_the_xmpp_hosts_only(addresses):
    target = [[addresses["db1.example.org"], 5432]]
    for name in ("xmpp1.example.org", "xmpp2.example.net"):
        assert list(from_host(name, target).values()) == ["open"], name
    for name in ("turn1.example.org", "mon1.example.org"):
        assert list(from_host(name, target).values()) == ["filtered"], name
    assert from_controller(addresses["db1.example.org"], 5432) == "filtered"


def test_ssh_answers_the_controller_but_not_the_other_hosts(addresses):
    assert from_controller(addresses["db1.example.org"], 22) == "open"
    assert list(from_host("turn1.example.org", [[addresses["db1.example.org"], 22]]).values()) == ["filtered"]


@pytest.mark.parametrize("name", HOSTS)
def test_the_loaded_rules_are_the_ones_loaded_at_boot(name):
    h = host(name)
    assert h.file("/etc/nftables.conf").content_string == h.file("/etc/xmpp-stack/firewall.nft").content_string
    assert h.service("nftables").is_enabled
    assert "policy drop" in h.check_output("nft list table inet xmpp_stack")


def state_of(name):
    h = host(name)
    return (h.check_output("nft list table inet xmpp_stack"), h.file("/etc/nftables.conf").content_string,
            h.file("/etc/xmpp-stack/firewall.nft").content_string)


def test_a_change_that_cuts_off_the_controller_is_rolled_back(addresses):
    name = "turn1.example.org"
    before = state_of(name)
    # The controller's address as the host sees it: the test network's gateway.
    controller = host(name).check_output("ip -4 route show default").split()[2]
    assert from_controller(addresses[name], 22) == "open"
    # An admin's rule that drops the controller's SSH: the new connection fails, the rollback fires.
    cut = run_site("--tags", "firewall", "--limit", name, "-e", json.dumps({
        "xmpp_stack_firewall_input_rules": [f"ip saddr {controller} tcp dport 22 drop"],
        "xmpp_stack_firewall_rollback_seconds": ROLLBACK, "xmpp_stack_firewall_confirm_timeout": 5}))
    assert cut.returncode != 0
    output = cut.stdout + cut.stderr
    assert "were not confirmed" in output and "previous table restored" in output, output[-3000:]
    assert recap(cut.stdout)[name]["rescued"] == 1
    assert state_of(name) == before
    assert from_controller(addresses[name], 22) == "open"
    assert host(name).run("systemctl is-active xmpp-stack-firewall-rollback.timer").stdout.strip() != "active"
