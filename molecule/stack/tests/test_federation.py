"""Two domains on two hosts, deployed by one site.yml run, federate over s2s with TLS and
certificate authentication (s2s_secure_auth: no dialback fallback)."""
from conftest_helpers import prosody_shell
from xmpp_client import login, message_between_servers


def test_users_of_both_domains_log_in_with_scram(servers, accounts):
    alice = login(servers["xmpp1.example.org"], *accounts["alice"])
    bob = login(servers["xmpp2.example.net"], *accounts["bob"])
    assert alice.jid.startswith("alice@alpha.example.test/")
    assert bob.jid.startswith("bob@beta.example.test/")
    assert {alice.mechanism, bob.mechanism} == {"SCRAM-SHA-256"}
    assert "PLAIN" not in alice.offered_mechanisms + bob.offered_mechanisms


def test_message_crosses_domains_both_ways(servers, accounts):
    alpha, beta = servers["xmpp1.example.org"], servers["xmpp2.example.net"]
    # The receiver sees the sender's bare JID from the other domain: the stanza crossed s2s.
    assert message_between_servers(alpha, accounts["alice"], beta, accounts["bob"],
                                   "alpha to beta") == "alice@alpha.example.test"
    assert message_between_servers(beta, accounts["bob"], alpha, accounts["alice"],
                                   "beta to alpha") == "bob@beta.example.test"


def s2s_links(host):
    """Rows of `s2s:show()` on a host: {column: value} per s2s session."""
    # Each table line is "| a | b | c" (the header behind the shell's prompt): cells after the first "|".
    rows = [[cell.strip() for cell in line.split("|")[1:]]
            for line in prosody_shell(host, ["s2s:show()"]).splitlines() if line.count("|") > 4]
    header, sessions = rows[0], rows[1:]
    return [dict(zip(header, row)) for row in sessions]


def test_s2s_links_are_tls_and_certificate_authenticated(servers, accounts):
    # Both directions carry a message first, so each server has an outgoing and an incoming link.
    message_between_servers(servers["xmpp1.example.org"], accounts["alice"],
                            servers["xmpp2.example.net"], accounts["bob"], "link check")
    message_between_servers(servers["xmpp2.example.net"], accounts["bob"],
                            servers["xmpp1.example.org"], accounts["alice"], "link check")
    for host, peer in (("xmpp1.example.org", "beta.example.test"),
                       ("xmpp2.example.net", "alpha.example.test")):
        links = [link for link in s2s_links(host) if link["Remote"] == peer]
        assert {link["Dir"] for link in links} == {"-->", "<--"}, links
        for link in links:
            assert link["Security"].startswith("TLSv1."), link
            # SASL EXTERNAL with the peer's certificate; dialback (DNS-based trust) not used.
            assert (link["SASL"], link["Dialback"]) == ("Succeeded", "Not used"), link
