"""prosody_muc_room on a real Prosody: the inventory's rooms as a real client sees them in
disco#info, a configuration round trip, affiliations, passwords and bad input."""

import pytest
from slixmpp.exceptions import IqError

from conftest import module_task, secret
from xmpp_client import disco_form

MODULE = "xmpp.stack.prosody_muc_room"
TEAM = "team@conference.example.test"


@pytest.fixture()
def disco(address, cafile):
    def query(target):
        return disco_form("alice@example.test", secret("alice"), address, cafile, target)
    return query


def test_inventory_room_is_seen_by_a_client(disco):
    identities, features, fields = disco(TEAM)
    assert identities[0][3] == "Team room"
    assert {"muc_persistent", "muc_public", "muc_open", "muc_unmoderated", "muc_semianonymous",
            "muc_unsecured"} <= features
    assert fields["muc#roominfo_description"] == "Where the team meets"
    assert fields["muc#roominfo_lang"] == "en"


def test_password_room_is_protected_and_its_password_never_returned(disco):
    features = disco("vault@conference.example.test")[1]
    assert {"muc_passwordprotected", "muc_hidden"} <= features
    result = module_task(MODULE, {"room": "vault@conference.example.test", "password": secret("vault-room")},
                         diff=True)
    assert result["changed"] is False
    assert secret("vault-room") not in repr(result)


def test_configuration_round_trip_changes_only_what_differs(disco):
    change = {"room": TEAM, "description": "Moved to the annex", "moderated": True,
              "whois": "anyone", "name": "Team room"}
    result = module_task(MODULE, change, diff=True)
    assert result["changed"] is True
    assert result["changes"]["config"] == ["description", "moderated", "whois"]
    assert result["diff"]["before"]["config"]["description"] == "Where the team meets"
    assert result["diff"]["after"]["config"]["description"] == "Moved to the annex"
    try:
        features, fields = disco(TEAM)[1:]
        assert {"muc_moderated", "muc_nonanonymous"} <= features
        assert "muc_unmoderated" not in features
        assert fields["muc#roominfo_description"] == "Moved to the annex"
        assert module_task(MODULE, change)["changed"] is False
    finally:
        back = module_task(MODULE, {"room": TEAM, "description": "Where the team meets", "moderated": False,
                                    "whois": "moderators"})
        assert back["changes"]["config"] == ["description", "moderated", "whois"]
    assert "muc_unmoderated" in disco(TEAM)[1]


def test_check_mode_plans_a_room_and_creates_nothing(disco):
    result = module_task(MODULE, {"room": "planned@conference.example.test", "persistent": True}, check=True)
    assert result["changed"] is True and result["changes"]["created"] is True
    # The room was not created: Prosody answers item-not-found (a login failure would not do).
    with pytest.raises(IqError) as err:
        disco("planned@conference.example.test")
    assert err.value.condition == "item-not-found"


def test_affiliations_exact_and_append():
    appended = module_task(MODULE, {"room": TEAM, "members": ["bob@example.test"]})
    assert appended["changes"]["affiliations"] == {"bob@example.test": "member"}
    exact = module_task(MODULE, {"room": TEAM, "members": ["alice@example.test"], "affiliations_mode": "exact"},
                        diff=True)
    assert exact["changes"]["affiliations"] == {"bob@example.test": "none"}
    assert exact["diff"]["after"]["affiliations"] == {"admin@example.test": "owner", "alice@example.test": "member"}


def test_create_then_destroy_a_room(disco):
    created = module_task(MODULE, {"room": "temp@conference.example.test", "name": "Temporary",
                                   "persistent": True})
    assert created["changes"]["created"] is True
    assert disco("temp@conference.example.test")[0][0][3] == "Temporary"
    destroyed = module_task(MODULE, {"room": "temp@conference.example.test", "state": "absent"})
    assert destroyed["changes"]["destroyed"] is True
    assert module_task(MODULE, {"room": "temp@conference.example.test", "state": "absent"})["changed"] is False
    # The destroyed room's tombstone does not stop an administrator from creating it again.
    again = module_task(MODULE, {"room": "temp@conference.example.test", "name": "Again", "persistent": True})
    assert again["changes"]["created"] is True
    assert disco("temp@conference.example.test")[0][0][3] == "Again"
    assert module_task(MODULE, {"room": "temp@conference.example.test", "state": "absent"})["changed"] is True


@pytest.mark.parametrize("args,message", [
    ({"room": "lobby@example.test"}, "example.test is not a MUC component"),
    ({"room": "lobby@nohost.test"}, "unknown host nohost.test"),
    ({"room": "lob by@conference.example.test"}, "nodeprep refuses the local part 'lob by'"),
    ({"room": TEAM, "owners": ["alice@example.test"], "members": ["ＡＬＩＣＥ@example.test"]},
     "alice@example.test is listed both as owner and as member"),
    ({"room": TEAM, "owners": ["alice@example.test"], "members": ["alice@example.test"]}, "listed both"),
])
def test_bad_input_fails_clearly(args, message):
    result = module_task(MODULE, args)
    assert result.get("failed") is True
    assert message in result["msg"]
