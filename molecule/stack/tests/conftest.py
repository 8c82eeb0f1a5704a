"""Fixtures of the stack scenario: the split inventory's hosts deployed by site.yml alone.

Everything is reached the way an admin's clients reach it: XMPP on the domains' names (by the
hosts' addresses), Prometheus through its API with the generated password, PostgreSQL as the
database host's own admin."""
import pathlib

import pytest
from conftest_helpers import container_address, create_accounts
from xmpp_client import Server

DEMO_HOME = pathlib.Path.home() / ".local" / "share" / "xmpp-stack"
CA_FILE = str(DEMO_HOME / "demo-ca" / "ca.crt")
CREDENTIALS = DEMO_HOME / "demo-credentials"
DOMAINS = {"xmpp1.example.org": "alpha.example.test", "xmpp2.example.net": "beta.example.test"}


def credential(name):
    """A shared secret site.yml generated on the controller (file per secret)."""
    return (CREDENTIALS / name).read_text().strip()


@pytest.fixture(scope="session")
def servers():
    return {host: Server(address=container_address(host), domain=domain, ca_file=CA_FILE)
            for host, domain in DOMAINS.items()}


@pytest.fixture(scope="session")
def accounts():
    """alice on the first domain, bob on the second (fresh passwords each run)."""
    return {"alice": create_accounts("xmpp1.example.org", DOMAINS["xmpp1.example.org"], ["alice"])["alice"],
            "bob": create_accounts("xmpp2.example.net", DOMAINS["xmpp2.example.net"], ["bob"])["bob"]}
