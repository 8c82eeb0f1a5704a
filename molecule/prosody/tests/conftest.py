"""Fixtures of the prosody scenario: per test host, its XMPP server, two fresh accounts and the
public base URL of its HTTP services."""
import pytest
from conftest_helpers import container_address, create_accounts, scenario_ca_file
from public_urls import Public
from xmpp_client import Server

DOMAINS = {"prosody-trixie": "trixie.example.test", "prosody-bookworm": "bookworm.example.test"}


def server_of(name):
    """The XMPP server of a test host (by its container's name), as the controller reaches it."""
    return Server(address=container_address(name), domain=DOMAINS[name], ca_file=scenario_ca_file())


@pytest.fixture(scope="module")
def server(host):
    name = host.backend.get_hostname()
    domain = host.ansible.get_variables()["prosody_test_domain"]
    return Server(address=container_address(name), domain=domain, ca_file=scenario_ca_file())


@pytest.fixture(scope="module")
def accounts(host, server):
    return create_accounts(host.backend.get_hostname(), server.domain, ["alice", "bob"])


@pytest.fixture(scope="module")
def public(host, server):
    return Public.of(host.ansible.get_variables(), server.domain)
