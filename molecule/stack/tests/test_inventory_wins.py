"""The admin's inventory wins over site.yml's wiring: each value that inventory/ sets (group_vars
and host_vars) is what the deployed services run with, not the value site.yml would have wired,
and the services still work together with it."""
import json
import os

import pytest
import testinfra
from conftest_helpers import container_address, prosody_shell
from xmpp_client import external_services


def on(name):
    return testinfra.get_host(f"ansible://{name}", ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])


def running_config(host):
    """What the running Prosody took from its configuration (never the SQL password)."""
    line = ('> require"prosody.util.json".encode({sql_host = require"prosody.core.configmanager"'
            '.get("*", "sql").host, metrics = require"prosody.core.configmanager"'
            '.get("*", "openmetrics_allow_ips")})')
    result = [out for out in prosody_shell(host, [line]).splitlines() if "| Result: " in out]
    assert len(result) == 1, "no answer from Prosody's shell"
    return json.loads(result[0].split("| Result: ", 1)[1])


@pytest.mark.parametrize("host", ["xmpp1.example.org", "xmpp2.example.net"])
def test_prosody_runs_with_the_inventory_database_name_and_metrics_allow_list(host):
    config = running_config(host)
    # The wiring would give db1's own name; the inventory names a network alias of it.
    assert config["sql_host"] == "postgres.example.test"
    # The wiring would allow loopback and mon1; the inventory adds a documentation address.
    assert config["metrics"] == ["127.0.0.1", "::1", "192.0.2.10", container_address("mon1.example.org")]


def test_postgresql_listens_on_every_address_as_the_inventory_says():
    db = on("db1.example.org")
    # The wiring would give ['localhost', <db1's address>].
    assert db.check_output("runuser -u postgres -- psql -XtA -c 'SHOW listen_addresses'") == "*"
    assert db.socket("tcp://0.0.0.0:5432").is_listening


def test_coturn_serves_no_tls_as_the_inventory_says_and_prosody_offers_none(servers, accounts):
    turn = on("turn1.example.org")
    # The wiring would turn TLS on with a lab-CA certificate for turn1.
    config = turn.file("/etc/turnserver.conf").content_string.splitlines()
    assert "no-tls" in config and "no-dtls" in config
    ports = {line.split()[3].rsplit(":", 1)[1] for line in turn.check_output("ss -Hltn").splitlines()}
    assert "3478" in ports and "5349" not in ports, ports
    # Prosody is wired from the TURN host's value: it hands its clients no turns: service.
    services = external_services(servers["xmpp1.example.org"], accounts["alice"])
    assert {(s["type"], s["transport"], s["port"]) for s in services} == {("stun", "udp", "3478"),
                                                                          ("turn", "udp", "3478")}
