"""Names as Prosody prepares them (issue 14) and one site-wide list for two domains (issue 22),
proven with real clients: the module manages the prepared name, returns it and warns; a client
logging in or joining with the name as written reaches that account or room."""

import os
import secrets

import pytest
from slixmpp.exceptions import IqError

from conftest import PROJECT, module_task, run_playbook, secret
from xmpp_client import can_login, disco_form, join_room

USER = "xmpp.stack.prosody_user"
ROOM = "xmpp.stack.prosody_muc_room"
EXAMPLE_USERS = ["admin@example.test", "alice@example.test", "bob@example.test", "strasse@example.test"]
OTHER_USERS = ["carol@other.test", "dave@other.test"]


def user_list(host, domain="example.test"):
    out = host.run("prosodyctl shell user list %s" % domain)
    assert out.rc == 0, out.stderr
    return sorted(line.strip() for line in out.stdout.splitlines() if "@" in line and ":" not in line)


def test_the_inventory_spellings_became_the_prepared_accounts(host):
    # Straße@example.test and ｄａｖｅ@other.test in the inventory: Prosody's names, no others.
    assert user_list(host) == EXAMPLE_USERS
    assert user_list(host, "other.test") == OTHER_USERS


def test_strasse_logs_in_with_the_name_as_written_and_as_prosody_prepares_it(address, cafile):
    assert can_login("strasse@example.test", secret("strasse"), address, cafile)
    # slixmpp prepares the JID as RFC 6122 clients do, and Prosody nodepreps the SASL username.
    assert can_login("Straße@example.test", secret("strasse"), address, cafile)
    assert not can_login("strasse@example.test", secret("alice"), address, cafile)


def test_a_rerun_with_the_written_name_changes_nothing_and_says_the_prepared_one():
    result = module_task(USER, {"jid": "Straße@example.test", "password": secret("strasse")})
    assert result["changed"] is False
    assert result["jid"] == "strasse@example.test"
    assert result["prepared"] == {"Straße@example.test": "strasse@example.test"}
    assert any("strasse@example.test" in warning for warning in result["warnings"])


def test_full_width_and_zero_width_names_are_the_ascii_account(host, address, cafile):
    password = "fw-" + secrets.token_urlsafe(12)
    created = module_task(USER, {"jid": "ｆｒａｎｋ@example.test", "password": password})
    try:
        assert created["changed"] is True
        assert created["jid"] == "frank@example.test"
        assert created["changes"] == {"create": ["frank@example.test"]}
        assert created["warnings"]
        assert "frank@example.test" in user_list(host)
        assert can_login("frank@example.test", password, address, cafile)
        # The same account in a third spelling (a zero-width space inside): nothing to change.
        again = module_task(USER, {"jid": "fr\u200bank@example.test", "password": password})
        assert again["changed"] is False and again["jid"] == "frank@example.test"
    finally:
        gone = module_task(USER, {"jid": "FRANK@example.test", "state": "absent"})
        assert gone["changes"] == {"delete": ["frank@example.test"]}
    assert user_list(host) == EXAMPLE_USERS


def test_a_name_prosody_cannot_prepare_is_refused_before_any_change(host):
    for jid, message in [("a\u00a0b@example.test", "nodeprep refuses the local part"),
                         ("\U0001f600@example.test", "unassigned in Unicode 3.2"),
                         ("frank@example.test/phone", "without a resource")]:
        result = module_task(USER, {"jid": jid, "password": "whatever-1"})
        assert result.get("failed") is True, jid
        assert message in result["msg"]
    assert user_list(host) == EXAMPLE_USERS


def test_exclusive_with_other_spellings_of_the_same_accounts_deletes_nothing(host):
    result = module_task(USER, {"host": "Example.TEST", "exclusive": True, "users": [
        {"jid": "ADMIN@example.test"}, {"jid": "ａｌｉｃｅ@example.test"},
        {"jid": "bo\u200bb@example.test", "state": "disabled"}, {"jid": "STRASSE@example.test"}]})
    assert result.get("failed") is not True, result
    assert result["changed"] is False and result["changes"] == {}
    assert user_list(host) == EXAMPLE_USERS


def test_the_room_written_with_sharp_s_is_the_room_a_client_joins_with_its_real_owner(address, cafile):
    room, affiliation, me = join_room("Straße@example.test", secret("strasse"), address, cafile,
                                      "straße@conference.example.test", "strasse")
    assert room == "strasse@conference.example.test"
    assert me == "strasse@example.test"
    assert affiliation == "owner"
    identities = disco_form("alice@example.test", secret("alice"), address, cafile,
                            "STRASSE@conference.example.test")[0]
    assert identities[0][3] == "Straße"
    rerun = module_task(ROOM, {"room": "straße@conference.example.test", "owners": ["Straße@example.test"],
                               "affiliations_mode": "exact"})
    assert rerun["changed"] is False and rerun["room"] == "strasse@conference.example.test"


def test_each_domains_accounts_log_in_on_their_own_domain(address, cafile):
    assert can_login("carol@other.test", secret("carol"), address, cafile)
    assert can_login("dave@other.test", secret("dave"), address, cafile)
    assert not can_login("carol@example.test", secret("carol"), address, cafile)


def test_each_room_is_on_its_domains_muc_component(address, cafile):
    identities = disco_form("carol@other.test", secret("carol"), address, cafile, "lobby@conference.other.test")[0]
    assert identities[0][3] == "Other lobby"
    room, affiliation, _me = join_room("dave@other.test", secret("dave"), address, cafile,
                                       "lobby@conference.other.test", "dave")
    assert (room, affiliation) == ("lobby@conference.other.test", "member")
    # No such room on the other domain's component: the room says so (not any failure will do).
    with pytest.raises(IqError) as err:
        disco_form("carol@other.test", secret("carol"), address, cafile, "lobby@conference.example.test")
    assert err.value.condition == "item-not-found"


@pytest.mark.parametrize("playbook,extra,named", [
    ("users.yml", {"xmpp_users": [{"jid": "newcomer@example.test", "password": "n-1234567890"},
                                  {"jid": "eve@nowhere.test", "password": "e-1234567890"}],
                   "xmpp_users_exclusive_host": []}, "eve@nowhere.test"),
    ("rooms.yml", {"xmpp_rooms": [{"room": "newroom@conference.example.test"},
                                  {"room": "r@conference.nowhere.test"}]}, "r@conference.nowhere.test"),
])
def test_an_entry_of_a_domain_nobody_serves_fails_before_any_change(host, playbook, extra, named):
    rooms_before = module_task("xmpp.stack.prosody_info", {})["components"]
    code, output, _results = run_playbook(path=os.path.join(PROJECT, "playbooks", playbook), extra_vars=extra)
    assert code != 0
    assert named in output and "no host of this play serves" in output
    assert user_list(host) == EXAMPLE_USERS
    assert module_task("xmpp.stack.prosody_info", {})["components"] == rooms_before
