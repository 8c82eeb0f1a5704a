"""Fixtures of the coturn-prosody scenario: the two hosts, an XMPP account, the shared secret."""
import pytest
import testinfra
from conftest_helpers import container_address, controller_secret, create_accounts, host_address, scenario_ca_file
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
    return host_address(turn_host)


@pytest.fixture(scope="session")
def secret():
    return controller_secret("secrets/coturn_static_auth_secret")


@pytest.fixture(scope="session")
def xmpp_server():
    return Server(address=container_address(XMPP_HOST), domain=DOMAIN, ca_file=scenario_ca_file())


@pytest.fixture(scope="session")
def account():
    return create_accounts(XMPP_HOST, DOMAIN, ["caller"])["caller"]


@pytest.fixture(scope="session")
def peer(xmpp_host):
    """A UDP echo peer on the XMPP host: the one address the scenario lets the relay reach."""
    address = host_address(xmpp_host)
    turn_client.start_peer(xmpp_host, address)
    yield address
    xmpp_host.run("systemctl stop turn-test-peer.service")
