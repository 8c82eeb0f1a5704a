"""prosody_invite and playbooks/invite.yml on a real Prosody: a new slixmpp client redeems
invitations in-band and logs in; used, expired and revoked tokens are refused; a contact
invitation makes mutual contacts; a reset invitation replaces the password; check mode makes no
invitation; no token reaches the -vvv output of the playbook.

Every account made here is deleted again (test_users.py holds example.test to the inventory's).
"""

import os
import re
import secrets
import time


from conftest import EPHEMERAL, PROJECT, module_task, run_playbook
from xmpp_client import can_login, redeem, roster

MODULE = "xmpp.stack.prosody_invite"
DOMAIN = "example.test"


def invite_tokens(host):
    """The tokens `prosodyctl shell invite list` shows (Prosody's own view)."""
    out = host.run("prosodyctl shell invite list %s" % DOMAIN)
    assert out.rc == 0, "invite list failed"
    assert "pending invites" in out.stdout
    # A table: "TOKEN | EXPIRES | DESCRIPTION" a line under a "Token | Expires | ..." title.
    rows = [line.split("|") for line in out.stdout.splitlines() if line.count("|") == 2]
    return sorted(row[0].strip() for row in rows if row[0].strip() != "Token")


def make_account(jid, password):
    result = module_task("xmpp.stack.prosody_user", {"jid": jid, "password": password})
    assert result.get("changed") and not result.get("failed"), result.get("msg")


def create(**args):
    result = module_task(MODULE, args)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"]
    return result["invitations"]


def test_an_account_invitation_is_redeemed_once(address, cafile, accounts, host):
    invitation, = create(host=DOMAIN, role="prosody:member")
    uri_ok = invitation["uri"] == "xmpp:%s?register;preauth=%s" % (DOMAIN, invitation["token"])
    assert uri_ok, "the xmpp: URI is not the account invitation's"
    # Booleans with fixed messages: a failed assertion never prints a token.
    listed = invitation["token"] in invite_tokens(host)
    assert listed, "the new invitation is not in invite list"
    jid, password = accounts("invited"), secrets.token_urlsafe(16)
    assert redeem(jid, password, invitation["token"], address, cafile) == "logged-in"
    assert can_login(jid, password, address, cafile)
    # Used: Prosody removed it, and a second person cannot use it.
    listed = invitation["token"] in invite_tokens(host)
    assert not listed, "a redeemed invitation is still listed"
    assert redeem(accounts("second"), password, invitation["token"], address, cafile) == "preauth:forbidden"


def test_without_a_token_registration_is_refused(address, cafile, accounts):
    # The baseline the invitations open: a made-up token is refused like a used one.
    assert redeem(accounts("nobody"), secrets.token_urlsafe(16), "NoSuchToken0000000000000",
                  address, cafile) == "preauth:forbidden"


def test_an_invitation_for_a_named_account_takes_only_that_name(address, cafile, accounts):
    jid = accounts("named")
    invitation, = create(jid=jid)
    assert invitation["jid"] == jid
    password = secrets.token_urlsafe(16)
    assert redeem(jid, password, invitation["token"], address, cafile) == "logged-in"


def test_an_expired_invitation_is_refused(address, cafile, accounts, host):
    invitation, = create(host=DOMAIN, expires_after="1s")
    time.sleep(2.5)
    assert redeem(accounts("late"), secrets.token_urlsafe(16), invitation["token"], address, cafile) == "preauth:forbidden"
    # Expired invitations stay listed until revoked: revoke_expired removes them.
    listed = module_task(MODULE, {"action": "list", "host": DOMAIN})
    assert [i["expired"] for i in listed["invitations"] if i["token"] == invitation["token"]] == [True]
    revoked = module_task(MODULE, {"action": "revoke_expired", "host": DOMAIN})
    assert revoked["changed"] and len(revoked["revoked"]) >= 1
    leaked = invitation["token"] in str(revoked)
    assert not leaked, "the module returned a revoked token"
    again = module_task(MODULE, {"action": "revoke_expired", "host": DOMAIN})
    assert not again["changed"]


def test_a_revoked_invitation_is_refused(address, cafile, accounts, host):
    invitation, = create(host=DOMAIN)
    revoked = module_task(MODULE, {"action": "revoke", "host": DOMAIN, "tokens": [invitation["token"]]})
    assert revoked["changed"]
    listed = invitation["token"] in invite_tokens(host)
    assert not listed, "a revoked invitation is still listed"
    assert redeem(accounts("revoked"), secrets.token_urlsafe(16), invitation["token"], address, cafile) == "preauth:forbidden"
    # Revoking it again changes nothing.
    assert not module_task(MODULE, {"action": "revoke", "host": DOMAIN, "tokens": [invitation["token"]]})["changed"]


def test_a_contact_invitation_makes_mutual_contacts(address, cafile, accounts):
    inviter, inviter_password = accounts("inviter"), secrets.token_urlsafe(16)
    make_account(inviter, inviter_password)
    invitation, = create(type="contact", jid=inviter)
    uri_ok = invitation["uri"].startswith("xmpp:%s?roster;preauth=" % inviter)
    assert uri_ok, "the xmpp: URI is not the contact invitation's"
    newcomer, password = accounts("friend"), secrets.token_urlsafe(16)
    assert redeem(newcomer, password, invitation["token"], address, cafile) == "logged-in"
    assert roster(newcomer, password, address, cafile).get(inviter) == "both"
    assert roster(inviter, inviter_password, address, cafile).get(newcomer) == "both"


def test_a_reset_invitation_replaces_the_password(address, cafile, accounts):
    jid, old = accounts("forgetful"), secrets.token_urlsafe(16)
    make_account(jid, old)
    invitation, = create(type="reset", jid=jid, expires_after="1h")
    assert invitation["type"] == "reset" and invitation["jid"] == jid
    new = secrets.token_urlsafe(16)
    assert redeem(jid, new, invitation["token"], address, cafile) == "logged-in"
    assert can_login(jid, new, address, cafile)
    assert not can_login(jid, old, address, cafile)
    # The reset link works once.
    assert redeem(jid, old, invitation["token"], address, cafile) == "preauth:forbidden"


def test_check_mode_creates_no_invitation(host):
    before = invite_tokens(host)
    result = module_task(MODULE, {"host": DOMAIN, "count": 3}, check=True, diff=True)
    assert result["changed"] and result["invitations"] == []
    assert result["planned"] == {"type": "account", "jid": DOMAIN, "count": 3, "expires_after": None}
    assert result["diff"]["after"]["pending"] == result["diff"]["before"]["pending"] + 3
    unchanged = invite_tokens(host) == before
    assert unchanged, "check mode changed the pending invitations"


def test_bad_input_changes_nothing(host):
    before = invite_tokens(host)
    result = module_task(MODULE, {"host": DOMAIN, "expires_after": "soon"})
    assert result["failed"] and "expires_after 'soon' is not a duration" in result["msg"]
    result = module_task(MODULE, {"jid": "alice@example.test"})
    assert result["failed"] and "alice@example.test exists already" in result["msg"]
    result = module_task(MODULE, {"host": "conference.example.test"})
    assert result["failed"] and "not a VirtualHost" in result["msg"]
    unchanged = invite_tokens(host) == before
    assert unchanged, "a refused invitation changed the pending invitations"


def test_the_playbook_gives_links_only_to_the_admin(address, cafile, accounts, host):
    contact_of = accounts("host")
    make_account(contact_of, secrets.token_urlsafe(16))
    invites = [{"host": DOMAIN, "count": 2, "expires_after": "1d"},
               {"type": "contact", "jid": contact_of},
               {"host": "other.test"}]
    # No xmpp_invites_links_file: the default file under ~/.local/share/xmpp-stack/invites/.
    code, output, _results = run_playbook(path=os.path.join(PROJECT, "playbooks", "invite.yml"), args=["-vvv"],
                                          json_output=False, extra_vars={"xmpp_invites": invites})
    assert code == 0, output[-3000:]
    links = re.search(r"The invitation links are in\s+(\S+)\s+\(mode 0600\)", output).group(1)
    assert os.path.dirname(links) == os.path.expanduser("~/.local/share/xmpp-stack/invites")
    assert oct(os.stat(links).st_mode & 0o777) == "0o600"
    assert oct(os.stat(os.path.dirname(links)).st_mode & 0o777) == "0o700"
    with open(links, encoding="utf-8") as handle:
        text = handle.read()
    os.unlink(links)
    tokens = re.findall(r"preauth=([A-Za-z0-9_-]+)", text)
    assert len(tokens) == 4
    # Each invitation's web link first (the landing page of its domain), its xmpp: URI after it.
    pages = re.findall(r"https://(example\.test|other\.test):5281/invite\?([A-Za-z0-9_-]+)", text)
    same = [token for _domain, token in pages] == tokens
    assert same, "the web links do not carry the tokens of the xmpp: URIs"
    assert sorted(domain for domain, _token in pages) == ["example.test"] * 3 + ["other.test"]
    for token in tokens:
        leaked = token in output
        assert not leaked, "a token appears in the -vvv output"
    # The links work: the first one makes an account.
    jid, password = accounts("linked"), secrets.token_urlsafe(16)
    assert redeem(jid, password, tokens[0], address, cafile) == "logged-in"
    # The rest are revoked (each host revokes its own and leaves the others' alone), so no
    # pending invitation of this test stays.
    for domain in (DOMAIN, "other.test"):
        assert module_task(MODULE, {"action": "revoke", "host": domain, "tokens": tokens[1:]})["changed"]


def test_the_playbook_refuses_an_unserved_domain_before_any_change(host):
    before = invite_tokens(host)
    code, output, _results = run_playbook(path=os.path.join(PROJECT, "playbooks", "invite.yml"), json_output=False,
                                          extra_vars={"xmpp_invites": [{"host": DOMAIN}, {"host": "nowhere.test"}],
                                                      "xmpp_invites_links_file": os.path.join(EPHEMERAL, "x.txt")})
    assert code != 0 and "serves the domain of nowhere.test" in output
    assert invite_tokens(host) == before
