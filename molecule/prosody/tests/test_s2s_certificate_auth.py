"""Federation with serverAuth-only certificates, as public ACME CAs issue them: each server
presents its server certificate in the TLS client role too, and the s2s sessions are authenticated
by certificate (SASL EXTERNAL, XEP-0178), not by dialback. Read from Prosody's own shell."""
import re
import subprocess

from conftest import DOMAINS, server_of
from conftest_helpers import create_accounts, prosody_shell
from xmpp_client import message_between_servers

# One row of s2s:show() with the columns asked below: direction, remote domain, SASL status,
# certificate status, dialback status (the last may hold a space: "Not used"). Prosody 13.0.1
# prints the cells between "|" separators, as read on the stack scenario's hosts:
# "| -->  | beta.example.test   | Succeeded  | Valid        | Not used     ".
ROW = re.compile(r"(<--|-->|<->)\s*\|\s*(\S+)\s*\|\s*(\S+)\s*\|\s*(\S+)\s*\|\s*(\S.*?)\s*$")


def _sessions(container, remote):
    """(direction, SASL, certificate, dialback) of every s2s session of container with remote."""
    output = prosody_shell(container, ['s2s:show(nil, "dir remote s2s_sasl cert dialback")'])
    rows = [ROW.search(line) for line in output.splitlines()]
    return {(m[1], m[3], m[4], m[5]) for m in rows if m and m[2] == remote}


def _extended_key_usage(container, domain):
    out = subprocess.run(["docker", "exec", container, "openssl", "x509", "-noout", "-ext",
                          "extendedKeyUsage", "-in", f"/etc/prosody/certs/{domain}.crt"],
                         capture_output=True, text=True, check=True)
    return [line.strip() for line in out.stdout.splitlines()[1:]]


def test_lab_certificates_are_server_auth_only():
    for container, domain in DOMAINS.items():
        assert _extended_key_usage(container, domain) == ["TLS Web Server Authentication"]


def test_s2s_sessions_are_certificate_authenticated_not_dialback():
    trixie, bookworm = server_of("prosody-trixie"), server_of("prosody-bookworm")
    erin = create_accounts("prosody-trixie", trixie.domain, ["erin"])["erin"]
    frank = create_accounts("prosody-bookworm", bookworm.domain, ["frank"])["frank"]
    # Both directions carry a message, so each server has an outgoing and an incoming session.
    assert message_between_servers(trixie, erin, bookworm, frank, "cert auth out") == erin[0]
    assert message_between_servers(bookworm, frank, trixie, erin, "cert auth back") == frank[0]
    authenticated = ("Succeeded", "Valid", "Not used")
    for container, remote in (("prosody-trixie", bookworm.domain), ("prosody-bookworm", trixie.domain)):
        sessions = _sessions(container, remote)
        directions = {s[0] for s in sessions}
        assert "<->" in directions or directions >= {"-->", "<--"}, sessions
        # Every session with the other server: SASL EXTERNAL succeeded on a valid certificate,
        # dialback never ran.
        assert all(s[1:] == authenticated for s in sessions), sessions
