"""Planning of prosody_user: idempotency, SCRAM-based password decisions, and bad inputs.

The session is a RecordingShell fed with host facts and records shaped like Prosody's answers;
every bad-input test also proves that no write reached the shell.
"""

import json
import os
import re

import pytest

from ansible_collections.xmpp.stack.plugins.module_utils import prosody_users as pu
from ansible_collections.xmpp.stack.plugins.module_utils import scram
from ansible_collections.xmpp.stack.plugins.module_utils.lua import quote as lua_quote
from ansible_collections.xmpp.stack.plugins.module_utils.prosody_shell import ProsodyError
from ansible_collections.xmpp.stack.plugins.modules import prosody_user

from shell_double import ModuleStandIn, RecordingShell

with open(os.path.join(os.path.dirname(__file__), "fixtures", "scram_records.json")) as handle:
    FIXTURE = json.load(handle)
PASSWORD = FIXTURE["password"]
ROLES = ["prosody:admin", "prosody:guest", "prosody:operator", "prosody:member", "prosody:registered"]


def host_info(auth="internal_hashed", password_hash="SHA-256"):
    return {"exists": True, "type": "local", "auth": auth, "password_hash": password_hash,
            "iteration_count": 10000, "default_role": "prosody:member", "roles": ROLES, "muc": False}


HOSTS = {
    "example.test": host_info(),
    "legacy.test": host_info(password_hash="SHA-1"),
    "ldap.test": host_info(auth="ldap"),
    "conference.example.test": {"exists": True, "type": "component", "component_module": "muc",
                                "roles": {}, "muc": True},
}


def make_shell(accounts=None):
    """Answers as the session helpers would from these full records (keys stay 'server-side')."""
    accounts = accounts or {}

    def first_string(args):
        return re.match(r'"([^"]*)"', args).group(1)

    def compact(args):
        host = first_string(args)
        names = re.findall(r'"([^"]*)"', args)[1:]
        out = {}
        for name in names:
            rec = accounts.get(host, {}).get(name)
            if rec:
                out[name] = {"s": rec.get("salt"), "i": rec.get("iteration_count"), "k": len(rec.get("stored_key", "")),
                             "d": rec.get("disabled") or None, "r": rec.get("role")}
        return out

    def keys_differ(args):
        host = first_string(args)
        differ = []
        for name, stored, server in re.findall(r'\{"([^"]*)","([0-9a-f]*)","([0-9a-f]*)"\}', args):
            rec = accounts.get(host, {}).get(name, {})
            if (rec.get("stored_key"), rec.get("server_key")) != (stored, server):
                differ.append(name)
        return differ

    return RecordingShell({
        "xs_host_info": lambda args: HOSTS.get(first_string(args), {"exists": False}),
        "xs_user_names": lambda args: sorted(accounts.get(first_string(args), {})),
        "xs_accounts": compact,
        "xs_keys_differ": keys_differ,
        "xs_user_apply": lambda args: [True] * args.count('{"'),
    })


def record(hash_name="SHA-256", role="prosody:member", disabled=False):
    rec = dict(FIXTURE["records"][hash_name])
    rec.update(role=role, disabled=disabled)
    return rec


def params(**kwargs):
    base = dict(jid=None, name=None, host=None, state="present", password=None,
                update_password="always", role=None, users=None, exclusive=False)
    base.update(kwargs)
    return base


def plan_for(shell, **kwargs):
    return plan_with_info(shell, **kwargs)[0]


def plan_with_info(shell, **kwargs):
    p = params(**kwargs)
    entries = pu.wanted_users(p)
    exclusive_host = p["host"] if p["exclusive"] else None
    entries, exclusive_host, _prepared = pu.prepare_users(shell, entries, exclusive_host)
    info, records = pu.read_state(shell, entries, exclusive_host)
    return pu.plan_users(shell, entries, info, records, exclusive_host, hash_workers=2), info


def actions(plan):
    return {step["jid"]: step["actions"] for step in plan}


def test_a_new_account_is_created():
    shell = make_shell()
    plan = plan_for(shell, jid="alice@example.test", password="pw-alice")
    assert actions(plan) == {"alice@example.test": ["create"]}
    assert plan[0]["after"] == {"state": "present", "role": "prosody:member", "password_hash": "SHA-256",
                                "password": "set"}


def test_the_stored_password_means_no_change():
    shell = make_shell({"example.test": {"fixture": record()}})
    plan = plan_for(shell, jid="fixture@example.test", password=PASSWORD)
    assert actions(plan) == {"fixture@example.test": []}


def test_a_different_password_is_one_change():
    shell = make_shell({"example.test": {"fixture": record()}})
    plan = plan_for(shell, jid="fixture@example.test", password="another one")
    assert actions(plan) == {"fixture@example.test": ["password"]}
    assert plan[0]["after"]["password"] == "changed"


def test_on_create_never_compares_passwords():
    shell = make_shell({"example.test": {"fixture": record()}})
    plan = plan_for(shell, jid="fixture@example.test", password="another one", update_password="on_create")
    assert actions(plan) == {"fixture@example.test": []}


def test_the_right_password_under_the_wrong_hash_is_rehashed():
    shell = make_shell({"example.test": {"fixture": record("SHA-1")}})
    plan = plan_for(shell, jid="fixture@example.test", password=PASSWORD)
    assert actions(plan) == {"fixture@example.test": ["password"]}
    assert plan[0]["before"]["password_hash"] == "SHA-1"
    assert plan[0]["after"]["password_hash"] == "SHA-256"


def test_sha1_hosts_compare_with_sha1():
    shell = make_shell({"legacy.test": {"fixture": record("SHA-1")}})
    plan = plan_for(shell, jid="fixture@legacy.test", password=PASSWORD)
    assert actions(plan) == {"fixture@legacy.test": []}


def test_role_state_and_deletion():
    shell = make_shell({"example.test": {"a": record(), "b": record(disabled=True), "c": record()}})
    plan = plan_for(shell, host="example.test", users=[
        {"name": "a", "role": "prosody:admin", "state": "disabled"},
        {"name": "b"},
        {"name": "c", "state": "absent"},
        {"name": "d", "state": "absent"},
    ])
    assert actions(plan) == {"a@example.test": ["role", "disable"], "b@example.test": ["enable"],
                             "c@example.test": ["delete"], "d@example.test": []}


def test_exclusive_removes_unlisted_accounts_of_that_host_only():
    shell = make_shell({"example.test": {"keep": record(), "stray": record()}})
    plan = plan_for(shell, host="example.test", exclusive=True, users=[{"name": "keep", "password": PASSWORD}])
    assert actions(plan) == {"keep@example.test": [], "stray@example.test": ["delete"]}


def test_apply_sends_derived_credentials_never_the_password():
    shell = make_shell({"example.test": {"fixture": record()}})
    wanted = [{"jid": "fixture@example.test", "password": "n3w-secret"},
              {"jid": "new@example.test", "password": "n3w-secret"}]
    plan, info = plan_with_info(shell, users=wanted)
    pu.apply_plan(shell, plan, info, hash_workers=2)
    writes = shell.writes()
    assert len(writes) == 1
    assert "n3w-secret" not in "".join(shell.calls)
    assert '{"password","fixture",' in writes[0] and '{"create","new",' in writes[0]


def test_summary_and_diff_hold_no_secrets():
    shell = make_shell({"example.test": {"fixture": record()}})
    plan = plan_for(shell, jid="fixture@example.test", password="another one")
    changes, diff = pu.summarize(plan)
    assert changes == {"password": ["fixture@example.test"]}
    text = json.dumps(diff)
    for secret in ("another one", FIXTURE["records"]["SHA-256"]["stored_key"]):
        assert secret not in text


def test_a_refused_write_is_reported_with_the_account():
    shell = make_shell()
    shell.answers["xs_user_apply"] = lambda args: ["User exists"]
    plan, info = plan_with_info(shell, jid="alice@example.test", password="pw")
    with pytest.raises(ProsodyError, match="Prosody refused to create alice@example.test: User exists"):
        pu.apply_plan(shell, plan, info)


BAD_INPUTS = [
    (dict(jid="alice"), "invalid JID 'alice': expected user@domain"),
    (dict(jid="@example.test"), "invalid JID '@example.test': expected user@domain"),
    (dict(jid="alice@"), "invalid JID 'alice@': expected user@domain"),
    (dict(jid="al ice@example.test"), "nodeprep refuses the local part 'al ice': it contains SPACE"),
    (dict(jid="alice@example.test/phone"), "give the bare JID, without a resource"),
    (dict(name="alice"), "needs a host"),
    (dict(name="alice", host="bad host"), "unknown host bad host"),
    (dict(jid="alice@example.test", password=""), "password of alice@example.test is empty"),
    (dict(jid="alice@example.test", password="a\nb"), "SASLprep prohibits"),
    (dict(jid="alice@example.test", state="gone"), "state 'gone'"),
    (dict(jid="alice@example.test", update_password="sometimes"), "update_password 'sometimes'"),
    (dict(users=[{"name": "a", "host": "example.test"}, {"jid": "a@example.test"}]), "listed twice"),
    (dict(users=[{"jid": "a@example.test"}], exclusive=True), "exclusive: true needs host"),
    (dict(host="example.test", exclusive=True, users=[{"jid": "a@legacy.test"}]), "on another host"),
    (dict(users=[{"jid": "a@example.test", "name": "a"}]), "give jid or name"),
    (dict(users=["a@example.test"]), "must be a dictionary"),
    (dict(users=[{"jid": "a@example.test", "colour": "red"}]), "unknown keys: colour"),
    (dict(), "nothing to do"),
    (dict(jid="alice@nohost.test", password="pw"), "unknown host nohost.test"),
    (dict(jid="alice@conference.example.test", password="pw"), "is a component (muc)"),
    (dict(jid="alice@example.test", password="pw", role="prosody:boss"), "unknown role 'prosody:boss'"),
    (dict(jid="alice@example.test"), "a password is needed to create it"),
    (dict(jid="alice@ldap.test", password="pw"), "authentication 'ldap'"),
    (dict(jid="alice@example.test", password="pw", role=" "), "role of alice@example.test is empty"),
]


# Names Prosody prepares differently or refuses; every one a clear error before any change.
BAD_NAMES = [
    (dict(jid="a\u00a0b@example.test", password="pw"), "refuses the local part 'a\\xa0b': it contains NO-BREAK SPACE"),
    (dict(jid="a:b@example.test", password="pw"), "it contains ':', which a local part may not hold"),
    (dict(jid="\U0001f600@example.test", password="pw"), "unassigned in Unicode 3.2"),
    (dict(jid="\ue000x@example.test", password="pw"), "it contains U+E000, which stringprep prohibits"),
    (dict(jid="\u0627" "1@example.test", password="pw"), "nodeprep refuses the local part"),
    (dict(jid="%s@example.test" % ("x" * 1024), password="pw"), "longer than 1023 bytes"),
    (dict(jid="alice@\U0001f600.test", password="pw"), "nameprep refuses the domain"),
    (dict(jid="alice@example.test/\u200b", password="pw"), "without a resource"),
    (dict(jid="a@b@example.test", password="pw"), "expected user@domain"),
    (dict(name="a@b", host="example.test", password="pw"), "must be a local part alone"),
    (dict(host="example.test", users=[{"name": "alice", "password": "pw"}, {"name": "ＡＬＩＣＥ", "password": "pw"}]),
     "account alice@example.test is listed twice ('alice@example.test' and 'ＡＬＩＣＥ@example.test' are the same"),
    (dict(host="example.test", exclusive=True, users=[{"jid": "alice@ｌｅｇａｃｙ.test"}]),
     "on another host: alice@legacy.test"),
    (dict(host="ex/ample.test", exclusive=True, users=[]), "invalid host 'ex/ample.test'"),
    (dict(host="alice@example.test", exclusive=True, users=[]), "expected a domain name, not a JID"),
    (dict(jid="straße@nohost.test", password="pw"), "unknown host nohost.test"),
]


@pytest.mark.parametrize("kwargs,message", BAD_INPUTS + BAD_NAMES, ids=[case[1] for case in BAD_INPUTS + BAD_NAMES])
def test_bad_input_fails_clearly_and_changes_nothing(kwargs, message):
    """The module's own run (plan, then apply outside check mode) stops before any write."""
    shell = make_shell()
    module = ModuleStandIn(params(**kwargs))
    with pytest.raises(ProsodyError) as err:
        prosody_user.run_module(module, shell)
    assert message in str(err.value)
    assert shell.writes() == []


def test_the_write_check_sees_writes():
    # The assertion above could not fail if writes() missed the module's real write helper.
    shell = make_shell()
    result = prosody_user.run_module(ModuleStandIn(params(jid="new@example.test", password="pw-new")), shell)
    assert result["changed"] is True
    assert len(shell.writes()) == 1


def test_an_unsupported_configured_hash_is_refused():
    shell = make_shell()
    HOSTS["odd.test"] = host_info(password_hash="SHA-512")
    try:
        with pytest.raises(ProsodyError, match="password_hash 'SHA-512'"):
            plan_for(shell, jid="a@odd.test", password="pw")
    finally:
        del HOSTS["odd.test"]
    assert shell.writes() == []


def test_password_comparisons_are_real_pbkdf2():
    # A stored record with a wrong key must be detected: changed is never a guess.
    tampered = record()
    tampered["stored_key"] = "0" * 64
    shell = make_shell({"example.test": {"fixture": tampered}})
    plan = plan_for(shell, jid="fixture@example.test", password=PASSWORD)
    assert actions(plan) == {"fixture@example.test": ["password"]}
    good = record()
    assert scram.derive(PASSWORD, good["salt"], good["iteration_count"], "SHA-256") == (
        good["stored_key"], good["server_key"])


def test_stored_keys_never_leave_the_server_and_the_password_never_reaches_it():
    shell = make_shell({"example.test": {"fixture": record()}})
    plan_for(shell, jid="fixture@example.test", password=PASSWORD)
    sent = "".join(shell.calls)
    assert PASSWORD not in sent and lua_quote(PASSWORD) not in sent
    # What Prosody is asked to compare are keys Python derived with the stored salt.
    assert FIXTURE["records"]["SHA-256"]["stored_key"] in sent
