"""Fixtures of the coturn-prosody scenario: the two hosts, an XMPP account, the shared secret."""
import os
import pathlib

import pytest
import testinfra
from conftest_helpers import container_address, create_accounts, scenario_ca_file
from xmpp_client import Server

import turn_client

XMPP_HOST = "coturn-prosody-xmpp"
TURN_HOST = "coturn-prosody-turn"
DOMAIN = "example.test"


def _host(request, name):
    return testinfra.get_host(f"ansible://{name}", ansible_inventory=request.config.getoption("ansible_inventory"))


@pytest.fixture(scope="session")
def xmpp_host(request):
    return _host(request, XMPP_HOST)


@pytest.fixture(scope="session")
def turn_host(request):
    return _host(request, TURN_HOST)


@pytest.fixture(scope="session")
def turn_ip(turn_host):
    return turn_client.ipv4_of(turn_host)


@pytest.fixture(scope="session")
def secret():
    path = pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "secrets" / "coturn_static_auth_secret"
    return path.read_text(encoding="utf-8").strip()


@pytest.fixture(scope="session")
def xmpp_server():
    return Server(address=container_address(XMPP_HOST), domain=DOMAIN, ca_file=scenario_ca_file())


@pytest.fixture(scope="session")
def account():
    return create_accounts(XMPP_HOST, DOMAIN, ["caller"])["caller"]


@pytest.fixture(scope="session")
def peer(xmpp_host):
    """A UDP echo peer on the XMPP host: the one address the scenario lets the relay reach."""
    address = turn_client.ipv4_of(xmpp_host)
    turn_client.start_peer(xmpp_host, address)
    yield address
    xmpp_host.run("systemctl stop turn-test-peer.service")
