"""Issue 24, parts 2 and 3, between the two test servers.

Brute force: wrong passwords from the trixie host (Debian's slixmpp there, this suite's own
xmpp_client) get it banned by fail2ban on bookworm's client ports, while the controller still logs
in; the ban ends after the scenario's short bantime.

Spam: trixie's account rtbl@ publishes a real-time block list on its PEP service (the nodes and
payloads xmppbl.org uses). trixie's mod_anti_spam and bookworm's mod_muc_rtbl subscribe to it
(prosody_antispam_services, prosody_muc_rtbl_service). A listed JID of bookworm is refused when
it writes to a stranger on trixie and when it joins a room on bookworm; a contact still gets its
message. A XEP-0377 report reaches trixie's admin and, through the abuse address bookworm
publishes (XEP-0157), bookworm's admin.
"""
import hashlib
import re
import subprocess
import time

import pytest
from conftest import DOMAINS, server_of
from conftest_helpers import container_address, create_accounts, prosody_shell, wait_for
from xmpp_client import add_contact, login, message_outcome, muc_join_outcomes, pep_publish, report_spam

TRIXIE, BOOKWORM = "prosody-trixie", "prosody-bookworm"
RTBL = f"rtbl@{DOMAINS[TRIXIE]}"
OPEN_LIST = {"pubsub#access_model": "open", "pubsub#max_items": "max"}
# Where prepare.yml put this suite's xmpp_client.py on the trixie host.
REMOTE_SUPPORT = "/usr/local/lib/xmpp-stack-test"


def _on(container, *argv):
    return subprocess.run(["docker", "exec", container, *argv], capture_output=True, text=True,
                          check=False, timeout=120)


def _variables(container):
    out = subprocess.run(["docker", "exec", container, "cat", "/etc/fail2ban/jail.d/xmpp-stack-prosody.conf"],
                         capture_output=True, text=True, check=True)
    return dict(re.findall(r"^(\w+) = (.*)$", out.stdout, re.M))


def _status(container, field, jail="prosody"):
    out = _on(container, "fail2ban-client", "status", jail)
    assert out.returncode == 0, out.stderr
    line = next(line for line in out.stdout.splitlines() if f"{field}:" in line)
    return line.split(f"{field}:", 1)[1].split()


def _banned(container):
    return _status(container, "Banned IP list")


def _login_from_trixie(target, jid, password):
    """One login from the trixie host to target, by xmpp_client.login under Debian's slixmpp.
    Prints ok, failed (credentials refused) or the connection error."""
    script = (f"import sys; sys.path.insert(0, {REMOTE_SUPPORT!r})\n"
              "from xmpp_client import LoginFailed, Server, login\n"
              f"server = Server(address={target.address!r}, domain={target.domain!r}, "
              "ca_file='/etc/ssl/certs/ca-certificates.crt')\n"
              "try:\n"
              f"    login(server, {jid!r}, sys.stdin.read())\n"
              "    print('ok')\n"
              "except LoginFailed:\n"
              "    print('failed')\n")
    out = subprocess.run(["docker", "exec", "-i", TRIXIE, "python3", "-c", script], input=password,
                         capture_output=True, text=True, check=False, timeout=120)
    return out.stdout.strip() or out.stderr.strip().splitlines()[-1]


def _connect_from_trixie(address, port):
    script = ("import socket\n"
              "try:\n"
              f"    socket.create_connection(({address!r}, {port}), 10).close(); print('connected')\n"
              "except OSError as err:\n"
              "    print(type(err).__name__)\n")
    return _on(TRIXIE, "python3", "-c", script).stdout.strip()


def test_wrong_passwords_get_the_host_banned_until_bantime_ends():
    bookworm = server_of(BOOKWORM)
    jail = _variables(BOOKWORM)
    maxretry, bantime = int(jail["maxretry"]), int(jail["bantime"])
    trixie_ip = container_address(TRIXIE)
    victim = create_accounts(BOOKWORM, bookworm.domain, ["guessed"])["guessed"]
    since = _on(BOOKWORM, "date", "+%Y-%m-%d %H:%M:%S").stdout.strip()
    # Failures fail2ban still counts from an earlier run of this test (within findtime).
    counted = int(_status(BOOKWORM, "Currently failed")[0])
    failures, attempt = 0, 0
    # slixmpp tries each SCRAM mechanism the server offers: count the failures Prosody logged.
    while counted + failures < maxretry:
        assert trixie_ip not in _banned(BOOKWORM)
        assert _login_from_trixie(bookworm, victim[0], f"wrong-{attempt}") == "failed"
        attempt += 1
        failures = _on(BOOKWORM, "journalctl", "-u", "prosody", "--since", since, "--no-pager", "-o", "cat").stdout.count(
            f"for user {victim[0]} from IP: {trixie_ip}")
    # fail2ban reads the journal on its own clock.
    assert wait_for(lambda: trixie_ip in _banned(BOOKWORM), timeout=30, interval=1)
    banned_at = time.monotonic()
    # The client ports (c2s, direct TLS, Prosody's HTTPS, nginx's 443) refuse the banned host; s2s does not.
    for port in (5222, 5223, 5281, 443):
        assert _connect_from_trixie(bookworm.address, port) == "ConnectionRefusedError"
    assert _connect_from_trixie(bookworm.address, 5269) == "connected"
    # Another host (the controller) still logs in.
    assert login(bookworm, *victim).jid.startswith(victim[0])
    # The ban ends after bantime, and the right password works from the host again.
    assert wait_for(lambda: trixie_ip not in _banned(BOOKWORM), timeout=bantime + 30, interval=1)
    assert time.monotonic() - banned_at >= bantime - 2
    assert _login_from_trixie(bookworm, *victim) == "ok"


def test_http_login_failures_are_read_with_the_client_address_behind_the_proxy():
    """A failed SASL over BOSH through bookworm's nginx: the line fail2ban reads names the
    controller's address (X-Forwarded-For from a trusted proxy), not nginx's 127.0.0.1."""
    bookworm = server_of(BOOKWORM)
    _bosh_unknown_user(bookworm)
    # Debian 12's fail2ban-regex cannot read the journal itself: it reads journalctl's text.
    out = _on(BOOKWORM, "sh", "-c", "journalctl -u prosody -o short --no-pager > /run/prosody-journal.log && "
              "fail2ban-regex -o ip /run/prosody-journal.log /etc/fail2ban/filter.d/xmpp-stack-prosody.conf")
    assert out.returncode == 0, out.stderr
    gateway = _on(BOOKWORM, "ip", "-4", "route", "show", "default").stdout.split()[2]
    assert gateway in out.stdout.split()
    assert "127.0.0.1" not in out.stdout.split()


def _bosh_unknown_user(server):
    import base64
    import os
    import xml.etree.ElementTree as ET
    from xmpp_client import https_request
    url = f"https://{server.domain}/xmpp/http-bind"
    rid = int.from_bytes(os.urandom(4), "big")
    body = (f"<body rid='{rid}' to='{server.domain}' xml:lang='en' wait='10' hold='1' ver='1.6' "
            "xmpp:version='1.0' xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh'/>")
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    status, _unused, payload, _unused = https_request(server, url, "POST", body.encode(), headers)
    assert status == 200
    sid = ET.fromstring(payload).get("sid")
    first = base64.b64encode(b"n,,n=nobody-here,r=" + os.urandom(12).hex().encode()).decode()
    auth = (f"<body rid='{rid + 1}' sid='{sid}' xmlns='http://jabber.org/protocol/httpbind'>"
            f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>{first}</auth></body>")
    status, _unused, payload, _unused = https_request(server, url, "POST", auth.encode(), headers)
    assert status == 200 and b"not-authorized" in payload


def _sha256(jid):
    return hashlib.sha256(jid.encode()).hexdigest()


@pytest.fixture(scope="module")
def listed():
    """The block list published, both subscribers subscribed, and a JID of bookworm listed."""
    trixie, bookworm = server_of(TRIXIE), server_of(BOOKWORM)
    people = {**create_accounts(TRIXIE, trixie.domain, ["rtbl", "stranger", "friend", "admin"]),
              **{f"b-{k}": v for k, v in create_accounts(BOOKWORM, bookworm.domain, ["spammer", "carol", "dave", "admin"]).items()}}
    # The nodes exist (open to anyone) before the subscribers ask for them: one entry each for
    # a JID no test uses.
    for node in ("spam_source_jids_sha256", "muc_bans_sha256"):
        pep_publish(trixie, people["rtbl"], node, [_sha256("nobody@example.invalid")], OPEN_LIST)
    # The subscribers subscribe when they load (at start, before this test made the list); a
    # reload stands in for a server that starts while the list exists, as xmppbl.org's does.
    since = _on(TRIXIE, "date", "+%Y-%m-%d %H:%M:%S").stdout.strip()
    since_b = _on(BOOKWORM, "date", "+%Y-%m-%d %H:%M:%S").stdout.strip()
    assert "OK" in prosody_shell(TRIXIE, [f'module:reload("anti_spam", "{trixie.domain}")'])
    assert "OK" in prosody_shell(BOOKWORM, [f'module:reload("muc_rtbl", "conference.{bookworm.domain}")'])
    subscribers = ((TRIXIE, since, f"RTBL active: {RTBL}:spam_source_jids_sha256"),
                   (BOOKWORM, since_b, "RTBL active"))
    for container, start, marker in subscribers:
        assert wait_for(lambda c=container, s=start, m=marker: m in _on(
            c, "journalctl", "-u", "prosody", "--since", s, "--no-pager").stdout, timeout=30, interval=1)
    # Listed after the subscription: the entry arrives as a live pubsub notification.
    spammer = people["b-spammer"][0]
    for node in ("spam_source_jids_sha256", "muc_bans_sha256"):
        pep_publish(trixie, people["rtbl"], node, [_sha256(spammer)], OPEN_LIST)
    return trixie, bookworm, people


def test_a_listed_jid_cannot_write_to_a_stranger_but_reaches_a_contact(listed):
    trixie, bookworm, people = listed
    assert message_outcome(bookworm, people["b-spammer"], trixie, people["stranger"], "buy now") == \
        ("error", "policy-violation")
    # A JID that is not listed reaches the same stranger.
    assert message_outcome(bookworm, people["b-dave"], trixie, people["stranger"], "hello")[0] == "delivered"
    # friend asked the listed JID for its presence: a contact, whose messages are not filtered.
    add_contact(trixie, people["friend"], people["b-spammer"][0])
    assert message_outcome(bookworm, people["b-spammer"], trixie, people["friend"], "as agreed")[0] == "delivered"


def test_a_listed_jid_cannot_join_a_room(listed):
    _unused, bookworm, people = listed
    room = f"lounge@conference.{bookworm.domain}"
    # The list reached bookworm over s2s: poll until its notification is in.

    def refused_once_listed():
        outcomes = muc_join_outcomes(bookworm, people["b-carol"], room,
                                     [(bookworm, people["b-spammer"]), (bookworm, people["b-dave"])])
        return outcomes if outcomes[0] == "forbidden" else None

    outcomes = wait_for(refused_once_listed, timeout=30, interval=2)
    assert outcomes == ["forbidden", None]


def test_a_spam_report_reaches_the_admins_and_the_abuse_contact_of_the_origin(listed):
    trixie, bookworm, people = listed
    spammer = people["b-spammer"][0]
    got = report_spam(trixie, people["stranger"], spammer, "unsolicited advertising",
                      [(trixie, people["admin"]), (bookworm, people["b-admin"])], counts=[2, 1])
    trixie_admin, bookworm_admin = got
    # mod_watch_spam_reports: a chat message from the server to its admin.
    assert {"from": trixie.domain, "type": "chat", "report_jid": None,
            "body": f"{people['stranger'][0]} reported spam from {spammer}: unsolicited advertising"} in trixie_admin
    # mod_report_forward: the report itself to trixie's abuse address (admin@, prosody_contact_info)...
    assert [m["report_jid"] for m in trixie_admin if m["report_jid"]] == [spammer]
    # ...and to the abuse address bookworm publishes in XEP-0157 (its admin@), over s2s.
    assert [(m["from"], m["report_jid"]) for m in bookworm_admin] == [(trixie.domain, spammer)]
