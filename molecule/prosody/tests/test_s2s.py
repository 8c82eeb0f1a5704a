"""The two test servers talk to each other over s2s with s2s_secure_auth: both certificates
come from the scenario's lab CA, which the role made every host trust."""
from conftest import server_of
from conftest_helpers import create_accounts
from xmpp_client import message_between_servers


def test_message_between_servers_with_secure_auth():
    trixie, bookworm = server_of("prosody-trixie"), server_of("prosody-bookworm")
    carol = create_accounts("prosody-trixie", trixie.domain, ["carol"])["carol"]
    dave = create_accounts("prosody-bookworm", bookworm.domain, ["dave"])["dave"]
    # The receiver sees the sender's bare JID: the stanza crossed the s2s link.
    assert message_between_servers(trixie, carol, bookworm, dave, "over s2s") == carol[0]
    assert message_between_servers(bookworm, dave, trixie, carol, "and back") == dave[0]
