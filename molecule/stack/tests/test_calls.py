"""Calls: Prosody hands its clients TURN credentials for the TURN host of the inventory, signed
with the secret site.yml generated and gave both; coturn accepts them and, with the secure
default, still refuses to relay into private networks (the test network is one)."""
import socket
import ssl

import pytest
from conftest import CA_FILE
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


@pytest.mark.parametrize("flags", [(), ("-t", "-S")], ids=["udp", "tls"])
def test_coturn_accepts_the_credentials_but_not_a_private_peer(host, turn, turn_ip, private_peer, flags):
    result = turn_client.allocate(host, turn_ip, turn["username"], turn["password"], private_peer,
                                  *flags, messages=1)
    out = result.stdout + result.stderr
    assert "Cannot complete Allocation" not in out, "the allocation itself must succeed"
    assert "error 403 (Forbidden IP)" in out, out[-2000:]


def test_turns_is_offered_and_speaks_tls_with_a_lab_ca_certificate(servers, accounts, turn_ip):
    services = external_services(servers["xmpp1.example.org"], accounts["alice"])
    turns = [s for s in services if (s["type"], s["transport"]) == ("turns", "tcp")]
    assert [(s["host"], s["port"]) for s in turns] == [("turn1.example.org", "5349")]
    # The certificate is for the TURN host's name, signed by the lab CA the clients trust.
    context = ssl.create_default_context(cafile=CA_FILE)
    with socket.create_connection((turn_ip, 5349), timeout=30) as sock:
        with context.wrap_socket(sock, server_hostname="turn1.example.org") as tls:
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
