"""Planning of prosody_muc_room: only differences are changed, secrets masked, bad input refused."""

import json
import re

import pytest

from ansible_collections.xmpp.stack.plugins.module_utils import prosody_rooms as pr
from ansible_collections.xmpp.stack.plugins.module_utils.prosody_shell import ProsodyError
from ansible_collections.xmpp.stack.plugins.modules import prosody_muc_room

from shell_double import ModuleStandIn, RecordingShell

# The shape xs_room_get returned for a room on Prosody 13.0.1.
EXISTING = {"host": True, "muc": True, "exists": True,
            "affiliations": {"admin@example.test": "owner", "alice@example.test": "member"},
            "config": {"name": "Team", "description": "Where the team meets", "persistent": True,
                       "hidden": False, "members_only": False, "moderated": False, "password": "",
                       "whois": "moderators", "historylength": 20, "allow_member_invites": False,
                       "language": "en"}}


def params(**kwargs):
    base = {key: None for key in pr.CONFIG}
    base.update(room="team@conference.example.test", state="present", owners=None, admins=None,
                members=None, outcasts=None, affiliations_mode="append")
    base.update(kwargs)
    return base


def shell_with(answer):
    return RecordingShell({"xs_room_get": lambda args: answer, "xs_room_apply": lambda args: True})


def plan(answer=None, **kwargs):
    wanted = pr.wanted_room(params(**kwargs))
    shell = shell_with(EXISTING if answer is None else answer)
    pr.prepare_room(shell, wanted)
    current = pr.read_room(shell, wanted)
    return (wanted,) + pr.plan_room(wanted, current) + (shell,)


def test_nothing_differs_nothing_changes():
    _wanted, steps, _before, _after, _shell = plan(name="Team", persistent=True, public=True,
                                                   members=["alice@example.test"])
    assert not pr.has_changes(steps)


def test_only_the_differing_options_are_set():
    _wanted, steps, before, after, _shell = plan(name="Team", description="New", public=False, history_length=50)
    assert [c[2] for c in steps["config"]] == ["description", "public", "history_length"]
    assert ["hidden", True, "public"] in steps["config"]  # public is the inverse of hidden
    assert before["config"]["description"] == "Where the team meets"
    assert after["config"]["description"] == "New"


def test_password_is_masked_in_diff_and_changes():
    _wanted, steps, before, after, _shell = plan(password="s3cret-room")
    assert steps["config"] == [["password", "s3cret-room", "password"]]
    assert after["config"]["password"] == "******** (changed)"
    text = json.dumps([before, after, pr.changes_of(steps)])
    assert "s3cret-room" not in text


def test_the_stored_password_is_compared_not_guessed():
    stored = json.loads(json.dumps(EXISTING))
    stored["config"]["password"] = "s3cret-room"
    steps = plan(stored, password="s3cret-room")[1]
    assert not pr.has_changes(steps)


def test_exact_mode_removes_unlisted_of_the_given_lists_only():
    steps = plan(members=["bob@example.test"], affiliations_mode="exact")[1]
    assert steps["affiliations"] == [["bob@example.test", "member"], ["alice@example.test", "none"]]
    # The owner list was not given: the owner stays.
    assert ["admin@example.test", "none"] not in steps["affiliations"]


def test_append_mode_keeps_others():
    steps = plan(members=["bob@example.test"])[1]
    assert steps["affiliations"] == [["bob@example.test", "member"]]


def test_a_missing_room_is_created_with_every_given_option():
    steps = plan({"host": True, "muc": True, "exists": False}, name="Team", persistent=True)[1]
    assert steps["create"] is True
    assert [c[2] for c in steps["config"]] == ["name", "persistent"]


def test_absent_destroys_only_an_existing_room():
    assert plan(state="absent")[1]["destroy"] is True
    assert not pr.has_changes(plan({"host": True, "muc": True, "exists": False, "tombstone": True},
                                   state="absent")[1])


def test_apply_sends_one_write_with_only_the_changes():
    wanted, steps, _before, _after, shell = plan(description="New")
    pr.apply_room(shell, wanted, steps)
    writes = shell.writes()
    assert len(writes) == 1 and re.search(r'\{\{"description","New"\}\}', writes[0])


BAD = [
    (dict(room="team"), "invalid room JID 'team': expected user@domain"),
    (dict(room="team@conference.example.test/nick"), "without a resource"),
    (dict(whois="everyone"), "whois 'everyone'"),
    (dict(history_length=-1), "history_length must be a whole number"),
    (dict(persistent="yes"), "persistent must be true or false"),
    (dict(state="gone"), "state 'gone'"),
    (dict(affiliations_mode="some"), "affiliations_mode 'some'"),
    (dict(owners=["a@example.test"], outcasts=["a@example.test"]), "listed both as owner and as outcast"),
    (dict(members=["not a jid"]), "invalid members entry 'not a jid': expected user@domain"),
    (dict(members=[5]), "is not a JID"),
    (dict(room="te am@conference.example.test"), "nodeprep refuses the local part 'te am'"),
    (dict(room="\U0001f600@conference.example.test"), "unassigned in Unicode 3.2"),
    (dict(owners=["alice@example.test"], members=["ＡＬＩＣＥ@example.test"]),
     "alice@example.test is listed both as owner and as member ('alice@example.test' and "
     "'ＡＬＩＣＥ@example.test' are the same JID)"),
    (dict(members=["al:ice@example.test"]), "it contains ':'"),
    (dict(outcasts=["\U0001f600.test"]), "nameprep refuses the domain"),
    (dict(admins=["example.test"]), "invalid admins entry 'example.test': expected user@domain"),
    (dict(room="team@conference.example.test@x"), "expected user@domain"),
]


@pytest.mark.parametrize("kwargs,message", BAD, ids=[case[1] for case in BAD])
def test_bad_options_fail_before_anything_changes(kwargs, message):
    shell = shell_with(EXISTING)
    with pytest.raises(ProsodyError) as err:
        prosody_muc_room.run_module(ModuleStandIn(params(**kwargs)), shell)
    assert message in str(err.value)
    assert shell.writes() == []


def test_the_write_check_sees_writes():
    shell = shell_with(EXISTING)
    result = prosody_muc_room.run_module(ModuleStandIn(params(description="New")), shell)
    assert result["changed"] is True and len(shell.writes()) == 1


@pytest.mark.parametrize("answer,message", [
    ({"host": True, "muc": False}, "example.test is not a MUC component (it is a VirtualHost)"),
    ({"host": True, "muc": False, "component_module": "http_file_share"}, "it is http_file_share"),
    ({"host": False}, "unknown host example.test"),
])
def test_rooms_only_on_muc_components(answer, message):
    shell = shell_with(answer)
    with pytest.raises(ProsodyError) as err:
        prosody_muc_room.run_module(ModuleStandIn(params(room="lobby@example.test")), shell)
    assert message in str(err.value)
    assert shell.writes() == []


def test_a_room_is_managed_under_the_name_prosody_prepares():
    shell = shell_with({"host": True, "muc": True, "exists": False})
    module = ModuleStandIn(params(room="Straße@Conference.Example.Test", persistent=True,
                                  owners=["ａｌｉｃｅ@example.test"]))
    result = prosody_muc_room.run_module(module, shell)
    assert result["room"] == "strasse@conference.example.test"
    assert result["prepared"] == {"Straße@Conference.Example.Test": "strasse@conference.example.test",
                                  "ａｌｉｃｅ@example.test": "alice@example.test"}
    assert len(module.warnings) == 2
    write = shell.writes()[0]
    assert '"strasse@conference.example.test",true' in write and '{"alice@example.test","owner"}' in write


def test_exact_compares_prepared_names():
    # The owner is listed in another spelling of the same JID: nothing to remove, nothing to add.
    steps = plan(owners=["ＡＤＭＩＮ@example.test"], affiliations_mode="exact")[1]
    assert steps["affiliations"] == []
