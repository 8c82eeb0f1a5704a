"""Shared fixtures: the hosts of the scenario, the NAT create.yml built, the generated secret."""
import json
import os
import pathlib

import pytest
import testinfra
from conftest_helpers import controller_secret, host_address

import turn_client


def _host(request, name):
    inventory = request.config.getoption("ansible_inventory")
    return testinfra.get_host(f"ansible://{name}", ansible_inventory=inventory)


@pytest.fixture(scope="session")
def server(request):
    return _host(request, "coturn-server")


@pytest.fixture(scope="session")
def direct(request):
    """The TURN server without NAT: reached at its own address, which it announces."""
    return _host(request, "coturn-direct")


@pytest.fixture(scope="session")
def client(request):
    return _host(request, "coturn-client")


@pytest.fixture(scope="session")
def nat():
    """The 1:1 NAT in front of coturn-server as create.yml built it: public, private,
    private_ipv6 and router_private (the router's address on the server's private network)."""
    path = pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "nat.json"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def secret_file():
    """Where the role kept the generated secret on the controller (converge.yml sets the dir)."""
    return pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "secrets" / "coturn_static_auth_secret"


@pytest.fixture(scope="session")
def secret(secret_file):
    return controller_secret(secret_file)


@pytest.fixture(scope="session")
def server_ip(nat):
    """The only address clients reach coturn-server at: the router's public address."""
    return nat["public"]


@pytest.fixture(scope="session")
def server_private_ip(server, nat):
    """coturn-server's own interface address, behind the NAT."""
    address = host_address(server)
    assert address == nat["private"]
    return address


@pytest.fixture(scope="session")
def direct_ip(direct):
    return host_address(direct)


@pytest.fixture(scope="session")
def client_ip(client):
    return host_address(client)


@pytest.fixture(scope="session")
def peer(client, client_ip):
    """A UDP echo peer on the client host: the one address the scenario allows the relay to reach."""
    turn_client.start_peer(client, client_ip)
    yield client_ip
    client.run("systemctl stop turn-test-peer.service")
