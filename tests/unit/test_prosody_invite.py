"""Planning of prosody_invite: check mode and bad input create nothing, tokens stay out of what is
not meant to carry them, revocation touches only invitations that exist.

The session is a RecordingShell answering with records shaped like what mod_invites stored on
Prosody 13.0.1 (invite_token store); the protocol itself is proven in the modules scenario.
"""

import json

import pytest

from ansible_collections.xmpp.stack.plugins.module_utils import prosody_invites as pi
from ansible_collections.xmpp.stack.plugins.module_utils.prosody_shell import ProsodyError
from ansible_collections.xmpp.stack.plugins.modules import prosody_invite

from shell_double import ModuleStandIn, RecordingShell

ROLES = ["prosody:admin", "prosody:guest", "prosody:operator", "prosody:member", "prosody:registered"]
NOW = 1_800_000_000
PENDING = {"token": "PendingToken1234", "type": "register", "jid": "example.test", "created_at": NOW - 60,
           "expires": NOW + 86400, "expired": False, "uri": "xmpp:example.test?register;preauth=PendingToken1234"}
EXPIRED = {"token": "ExpiredToken5678", "type": "roster", "jid": "alice@example.test", "created_at": NOW - 7200,
           "expires": NOW - 3600, "expired": True, "uri": "xmpp:alice@example.test?roster;preauth=ExpiredToken5678;ibr=y"}
MADE = {"token": "NewToken9abcdefg", "type": "register", "jid": "example.test", "created_at": NOW,
        "expires": NOW + 604800, "uri": "xmpp:example.test?register;preauth=NewToken9abcdefg",
        "landing_page": "https://example.test:5281/invite?NewToken9abcdefg"}


def params(**kwargs):
    base = dict(action="create", type="account", jid=None, host=None, role=None, expires_after=None,
                count=1, allow_registration=None, tokens=None, prosodyctl="prosodyctl", timeout=300)
    base.update(kwargs)
    return base


def make_shell(pending=(PENDING, EXPIRED), host_type="local", invites=True, user_exists=False):
    info = {"exists": True, "type": host_type, "auth": "internal_hashed", "roles": ROLES,
            "invites": invites, "user_exists": user_exists}
    made_args = []

    def create(args):
        made_args.append(args)
        count = int(args.rsplit(",", 1)[1])
        return {"made": [dict(MADE, token="NewToken%08d" % i) for i in range(count)]}

    shell = RecordingShell({
        "xs_invite_host": lambda args: info,
        "xs_invite_list": lambda args: list(pending),
        "xs_invite_create": create,
        "xs_invite_revoke": lambda args: {"revoked": json.loads("[" + args.split(",", 1)[1].strip("{}") + "]")},
    })
    shell.made_args = made_args
    return shell


def run(shell, check_mode=False, diff=False, **kwargs):
    module = ModuleStandIn(params(**kwargs), check_mode=check_mode, diff=diff)
    return prosody_invite.run_module(module, shell), module


def test_create_returns_the_token_uri_and_landing_page():
    shell = make_shell()
    result, _module = run(shell, host="example.test", count=2, expires_after="3d")
    assert result["changed"]
    assert [i["token"] for i in result["invitations"]] == ["NewToken00000000", "NewToken00000001"]
    assert result["invitations"][0]["uri"].startswith("xmpp:example.test?register;preauth=")
    assert result["invitations"][0]["landing_page"].startswith("https://example.test:5281/invite?")
    assert result["planned"] == {"type": "account", "jid": "example.test", "count": 2, "expires_after": 259200}
    # The helper got the prepared host, no username, the TTL in seconds and the count.
    assert shell.made_args == ['"example.test","account",nil,nil,259200,false,2']
    # Tokens are masked in any error the session raises afterwards.
    assert "NewToken00000001" in shell.secrets


def test_check_mode_creates_nothing_and_says_what_it_would():
    shell = make_shell()
    result, _module = run(shell, check_mode=True, diff=True, jid="newbie@example.test", role="prosody:member")
    assert result["changed"]
    assert shell.writes() == []
    assert result["invitations"] == []
    assert result["planned"]["jid"] == "newbie@example.test"
    assert result["diff"] == {"before": {"pending": 1, "expired": 1}, "after": {"pending": 2, "expired": 1}}


def test_names_are_the_prepared_ones_and_the_task_is_warned():
    shell = make_shell()
    result, module = run(shell, jid="Straße@example.test")
    assert result["prepared"] == {"Straße@example.test": "strasse@example.test"}
    assert '"strasse"' in shell.made_args[0]
    assert any("strasse@example.test" in warning for warning in module.warnings)


@pytest.mark.parametrize("kwargs, message", [
    (dict(jid="someone@example.test", type="reset"), "does not exist"),
    (dict(jid="someone@example.test", type="contact"), "does not exist"),
])
def test_reset_and_contact_need_an_existing_account(kwargs, message):
    shell = make_shell(user_exists=False)
    with pytest.raises(ProsodyError, match=message):
        run(shell, **kwargs)
    assert shell.writes() == []


def test_an_account_invitation_for_an_existing_account_is_refused():
    shell = make_shell(user_exists=True)
    with pytest.raises(ProsodyError, match="exists already"):
        run(shell, jid="alice@example.test")
    assert shell.writes() == []


@pytest.mark.parametrize("shell_kwargs, message", [
    (dict(invites=False), "mod_invites is not loaded on example.test"),
    (dict(host_type="component"), "not a VirtualHost"),
])
def test_host_without_invitations_is_refused(shell_kwargs, message):
    shell = make_shell(**shell_kwargs)
    with pytest.raises(ProsodyError, match=message):
        run(shell, host="example.test")
    assert shell.writes() == []


def test_unknown_role_is_refused_naming_it():
    shell = make_shell()
    with pytest.raises(ProsodyError, match="'prosody:boss' is not a role of example.test"):
        run(shell, host="example.test", role="prosody:boss")
    assert shell.writes() == []


@pytest.mark.parametrize("kwargs, message", [
    (dict(host="example.test", expires_after="soon"), "expires_after 'soon' is not a duration"),
    (dict(host="example.test", expires_after="0"), "more than 0"),
    (dict(host="example.test", count=0), "count 0"),
    (dict(host="example.test", count=101), "count 101"),
    (dict(jid="a@example.test", count=2), "count must be 1"),
    (dict(type="reset", host="example.test"), "needs jid"),
    (dict(type="reset", jid="a@example.test", role="prosody:admin"), "role cannot be given for a reset"),
    (dict(host="example.test", allow_registration=False), "only for contact"),
    (dict(jid="a@example.test", host="example.test"), "either jid or host"),
    (dict(), "give the VirtualHost"),
    (dict(host="a@example.test"), "expected a domain name"),
    (dict(jid="a@example.test/phone"), "without a resource"),
    (dict(action="revoke", host="example.test"), "revoke needs tokens"),
])
def test_bad_input_fails_before_any_session(kwargs, message):
    with pytest.raises(ProsodyError, match=message):
        pi.wanted_invites(params(**kwargs))


def test_a_malformed_token_is_refused_without_echoing_it():
    with pytest.raises(ProsodyError) as caught:
        pi.wanted_invites(params(action="revoke", host="example.test", tokens=["not a token!"]))
    assert "not a token!" not in str(caught.value)


def test_a_name_prosody_cannot_prepare_is_refused():
    shell = make_shell()
    with pytest.raises(ProsodyError, match="nodeprep refuses"):
        run(shell, jid="bad name@example.test")
    assert shell.writes() == []


def test_list_shows_pending_and_expired_without_changing_anything():
    shell = make_shell()
    result, _module = run(shell, action="list", host="example.test")
    assert not result["changed"]
    assert shell.writes() == []
    assert [(i["type"], i["expired"]) for i in result["invitations"]] == [("account", False), ("contact", True)]
    assert result["invitations"][0]["expires"] == "2027-01-16T08:00:00Z"


def test_revoke_touches_only_tokens_that_exist():
    shell = make_shell()
    result, _module = run(shell, action="revoke", host="example.test", tokens=["PendingToken1234", "GoneToken0000000"])
    assert result["changed"]
    assert [json.loads(w.split("xs_invite_revoke(")[1].split(",", 1)[1].rstrip(")); return xs_page(1)").strip("{}")
                       .join("[]")) for w in shell.writes()] == [["PendingToken1234"]]
    # What was revoked is described without its token.
    assert "PendingToken1234" not in json.dumps(result["revoked"])


def test_revoking_unknown_tokens_changes_nothing():
    shell = make_shell()
    result, _module = run(shell, action="revoke", host="example.test", tokens=["GoneToken0000000"])
    assert not result["changed"]
    assert shell.writes() == []


def test_revoke_expired_in_check_mode_revokes_nothing():
    shell = make_shell()
    result, _module = run(shell, check_mode=True, action="revoke_expired", host="example.test")
    assert result["changed"]
    assert shell.writes() == []
    assert result["revoked"] == [{"type": "contact", "jid": "alice@example.test", "expired": True,
                                  "expires": "2027-01-15T07:00:00Z", "created": "2027-01-15T06:00:00Z"}]


def test_revoke_expired_with_nothing_expired_is_unchanged():
    shell = make_shell(pending=(PENDING,))
    result, _module = run(shell, action="revoke_expired", host="example.test")
    assert not result["changed"]
    assert shell.writes() == []


@pytest.mark.parametrize("value, seconds", [("3600", 3600), ("90m", 5400), ("12h", 43200), ("7d", 604800),
                                            ("2w", 1209600), (5, 5)])
def test_durations(value, seconds):
    assert pi.parse_duration(value) == seconds


@pytest.mark.parametrize("page", ["https://example.test:5281/reset?t=NewToken00000000", None])
def test_a_reset_links_the_reset_page_or_only_its_uri(page):
    # xs_invite_page answers the reset page's link (mod_invites_reset_web's reset_url), or nil on a
    # host without it: never mod_invites_page's /invite link, whose form only creates accounts.
    shell = make_shell(user_exists=True)
    shell.answers["xs_invite_create"] = lambda args: {"made": [dict(MADE, token="NewToken00000000", landing_page=page)]}
    result, _module = run(shell, type="reset", jid="alice@example.test")
    invitation, = result["invitations"]
    assert invitation["type"] == "reset" and invitation["landing_page"] == page
    assert invitation["uri"].startswith("xmpp:")
    assert "NewToken00000000" in shell.secrets


def test_the_session_asks_the_reset_page_for_a_reset_link():
    helper, = [line for line in pi.HELPERS if line.startswith("> function xs_invite_page(")]
    assert "allow_reset" in helper and "modules.invites_reset_web" in helper and ".reset_url(inv.token)" in helper
    assert all("landing_page = xs_invite_page(h, inv)" in line for line in pi.HELPERS
               if line.startswith(("> function xs_invite_list(", "> function xs_invite_create(")))
