"""Shared fixtures: the two hosts of the scenario and the secret the role generated."""
import os
import pathlib

import pytest
import testinfra

import turn_client


def _host(request, name):
    inventory = request.config.getoption("ansible_inventory")
    return testinfra.get_host(f"ansible://{name}", ansible_inventory=inventory)


@pytest.fixture(scope="session")
def server(request):
    return _host(request, "coturn-server")


@pytest.fixture(scope="session")
def client(request):
    return _host(request, "coturn-client")


@pytest.fixture(scope="session")
def secret_file():
    """Where the role kept the generated secret on the controller (converge.yml sets the dir)."""
    return pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "secrets" / "coturn_static_auth_secret"


@pytest.fixture(scope="session")
def secret(secret_file):
    return secret_file.read_text(encoding="utf-8").strip()


@pytest.fixture(scope="session")
def server_ip(server):
    return turn_client.ipv4_of(server)


@pytest.fixture(scope="session")
def client_ip(client):
    return turn_client.ipv4_of(client)


@pytest.fixture(scope="session")
def peer(client, client_ip):
    """A UDP echo peer on the client host: the one address the scenario allows the relay to reach."""
    turn_client.start_peer(client, client_ip)
    yield client_ip
    client.run("systemctl stop turn-test-peer.service")
