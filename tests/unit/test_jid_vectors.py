"""Names as Prosody 13 prepares them (fixtures/jid_vectors.json, made by Prosody on a test host)
against the modules' planning, the double's stand-in answers and jidprep.py's stringprep."""

import pytest

from ansible_collections.xmpp.stack.plugins.module_utils import jidprep
from ansible_collections.xmpp.stack.plugins.module_utils.prosody_shell import ProsodyError
from ansible_collections.xmpp.stack.plugins.modules import prosody_muc_room, prosody_user

from shell_double import VECTORS, ModuleStandIn, RecordingShell, python_answer
from test_prosody_user_plan import PASSWORD, make_shell, params, record

JIDS = VECTORS["jids"]
STRINGS = VECTORS["strings"]


def test_the_table_was_made_by_prosody_13_and_covers_the_issue():
    assert VECTORS["prosody_version"].startswith("13.")
    answers = {entry["input"]: entry["answer"] for entry in JIDS}
    assert answers["straße@example.test"]["node"] == "strasse"
    assert answers["ａｌｉｃｅ@example.test"]["node"] == "alice"
    assert answers["ali\u200bce@example.test"]["node"] == "alice"
    assert answers["σοφος@example.test"]["node"] == "σοφοσ"  # final sigma folds to sigma
    assert answers["e\u0301@example.test"]["node"] == "\u00e9"  # combining mark composed (NFKC)
    assert answers["alice@BÜCHER.test"]["host"] == "bücher.test"
    assert answers["\U0001f600@example.test"] == {"error": "node"}  # unassigned in Unicode 3.2
    assert len(JIDS) > 100 and len(STRINGS) > 80


@pytest.mark.parametrize("entry", STRINGS, ids=[repr(e["input"])[:40] for e in STRINGS])
def test_jidprep_prepares_as_prosody_does(entry):
    for name, function in (("nodeprep_strict", jidprep.nodeprep), ("nameprep_strict", jidprep.nameprep)):
        try:
            got = function(entry["input"])
        except jidprep.JIDError:
            got = False
        assert got == entry[name], name


@pytest.mark.parametrize("entry", JIDS, ids=[repr(e["input"])[:40] for e in JIDS])
def test_the_doubles_stand_in_answer_is_prosodys(entry):
    mine, prosody = python_answer(entry["input"]), entry["answer"]
    assert {k: v for k, v in mine.items() if k != "resource"} == {k: v for k, v in prosody.items() if k != "resource"}
    assert ("resource" in mine) == ("resource" in prosody)


def expected_account(answer):
    """The account the module must manage for Prosody's answer, or None when it must refuse."""
    if "error" in answer or "resource" in answer or answer.get("node") is None:
        return None
    if answer["host"] != "example.test":
        return None  # the double's server has no such VirtualHost: "unknown host"
    return "%s@%s" % (answer["node"], answer["host"])


@pytest.mark.parametrize("entry", JIDS, ids=[repr(e["input"])[:40] for e in JIDS])
def test_prosody_user_plans_on_the_name_prosody_prepares(entry):
    shell = make_shell()
    module = ModuleStandIn(params(jid=entry["input"], password="pw-vector"), check_mode=True)
    expected = expected_account(entry["answer"])
    if expected is None:
        with pytest.raises(ProsodyError):
            prosody_user.run_module(module, shell)
        return
    result = prosody_user.run_module(module, shell)
    assert result["jid"] == expected
    assert result["changes"] == {"create": [expected]}
    assert bool(module.warnings) == (entry["input"] != expected)
    assert shell.writes() == []  # check mode


ROOM_VECTORS = [e for e in JIDS if e["input"].endswith("@conference.example.test")]


@pytest.mark.parametrize("entry", ROOM_VECTORS, ids=[repr(e["input"])[:40] for e in ROOM_VECTORS])
def test_prosody_muc_room_plans_on_the_name_prosody_prepares(entry):
    shell = RecordingShell({"xs_room_get": lambda args: {"host": True, "muc": True, "exists": False}})
    module = ModuleStandIn({"room": entry["input"], "state": "present", "affiliations_mode": "append"},
                           check_mode=True)
    answer = entry["answer"]
    result = prosody_muc_room.run_module(module, shell)
    assert result["room"] == "%s@%s" % (answer["node"], answer["host"])
    assert result["changes"]["created"] is True
    assert shell.writes() == []


def test_sharp_s_is_created_as_strasse_and_a_rerun_changes_nothing():
    shell = make_shell()
    module = ModuleStandIn(params(jid="straße@example.test", password=PASSWORD))
    result = prosody_user.run_module(module, shell)
    assert result["jid"] == "strasse@example.test"
    assert result["prepared"] == {"straße@example.test": "strasse@example.test"}
    assert '{"create","strasse",' in shell.writes()[0]
    again = make_shell({"example.test": {"strasse": record()}})
    assert prosody_user.run_module(ModuleStandIn(params(jid="straße@example.test", password=PASSWORD)),
                                   again)["changed"] is False


def test_exclusive_with_other_spellings_of_the_same_names_deletes_nothing():
    shell = make_shell({"example.test": {"strasse": record(), "alice": record()}})
    module = ModuleStandIn(params(host="Example.TEST", exclusive=True, users=[
        {"jid": "Straße@example.test", "password": PASSWORD}, {"name": "ａｌｉｃｅ", "password": PASSWORD}]))
    result = prosody_user.run_module(module, shell)
    assert result["changed"] is False and result["changes"] == {}
    assert shell.writes() == []
    assert result["prepared"] == {"Example.TEST": "example.test", "Straße@example.test": "strasse@example.test",
                                  "ａｌｉｃｅ@Example.TEST": "alice@example.test"}


def test_every_name_is_prepared_in_one_call_of_the_session():
    shell = make_shell()
    prosody_user.run_module(ModuleStandIn(params(host="example.test", users=[
        {"name": "a", "password": "pw"}, {"name": "b", "password": "pw"}])), shell)
    assert shell.prepared == ["a@example.test", "b@example.test"]
    assert sum(1 for call in shell.calls if "xs_jid_prep(" in call and "encode" in call) == 1
