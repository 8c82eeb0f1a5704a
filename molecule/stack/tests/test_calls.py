"""Calls: Prosody hands its clients TURN credentials for the TURN host of the inventory (by its
FQDN), signed with the secret site.yml generated and gave both; coturn accepts them and, with the
secure default, still refuses to relay into private networks (the test network is one). TURN over
TLS is off in this inventory (test_inventory_wins.py); the coturn scenarios prove TURNS."""
import pytest
from conftest_helpers import container_address

import turn_client
from xmpp_client import external_services

# xmpp1 plays the calling client (coturn's client tools come from prepare.yml); the peer it asks
# to reach is xmpp2, on the private test network.
testinfra_hosts = ["ansible://xmpp1.example.org"]


@pytest.fixture(scope="module")
def turn_ip():
    return container_address("turn1.example.org")


@pytest.fixture(scope="module")
def private_peer():
    return container_address("xmpp2.example.net")


@pytest.fixture(scope="module")
def turn(servers, accounts):
    services = external_services(servers["xmpp1.example.org"], accounts["alice"])
    matches = [s for s in services if (s["type"], s["transport"]) == ("turn", "udp")]
    assert len(matches) == 1, services
    return matches[0]


def test_prosody_points_clients_at_the_inventory_turn_host(turn):
    assert (turn["host"], turn["port"]) == ("turn1.example.org", "3478")
    assert turn["restricted"] == "1" and turn["username"] and turn["password"]


@pytest.mark.parametrize("flags", [(), ("-t",)], ids=["udp", "tcp"])
def test_coturn_accepts_the_credentials_but_not_a_private_peer(host, turn, turn_ip, private_peer, flags):
    result = turn_client.allocate(host, turn_ip, turn["username"], turn["password"], private_peer,
                                  *flags, messages=1)
    out = result.stdout + result.stderr
    assert "Cannot complete Allocation" not in out, "the allocation itself must succeed"
    assert "error 403 (Forbidden IP)" in out, out[-2000:]
