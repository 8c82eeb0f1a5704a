"""The two test servers talk to each other over s2s with s2s_secure_auth: both certificates
come from the scenario's lab CA, which the role made every host trust."""
from conftest_helpers import container_address, create_accounts, scenario_ca_file
from xmpp_client import Server, message_between_servers

HOSTS = {"prosody-trixie": "trixie.example.test", "prosody-bookworm": "bookworm.example.test"}


def _server(name):
    return Server(address=container_address(name), domain=HOSTS[name], ca_file=scenario_ca_file())


def test_message_between_servers_with_secure_auth():
    trixie, bookworm = _server("prosody-trixie"), _server("prosody-bookworm")
    carol = create_accounts("prosody-trixie", trixie.domain, ["carol"])["carol"]
    dave = create_accounts("prosody-bookworm", bookworm.domain, ["dave"])["dave"]
    # The receiver sees the sender's bare JID: the stanza crossed the s2s link.
    assert message_between_servers(trixie, carol, bookworm, dave, "over s2s") == carol[0]
    assert message_between_servers(bookworm, dave, trixie, carol, "and back") == dave[0]
