"""prosody_module: names, the drop-in's state and Lua, and refusals that change nothing."""

import pytest

from ansible_collections.xmpp.stack.plugins.module_utils import prosody_modules as pm
from ansible_collections.xmpp.stack.plugins.module_utils.prosody_shell import ProsodyError
from ansible_collections.xmpp.stack.plugins.modules import prosody_module

from shell_double import ModuleStandIn, RecordingShell

DIRS = ["/var/lib/prosody/custom_plugins", "/usr/lib/prosody/modules/"]
HOSTS = {
    "example.test": {"type": "local", "has_enabled": True, "has_disabled": True, "loaded": False,
                     "configured": False},
    "bare.test": {"type": "local", "has_enabled": False, "has_disabled": False, "loaded": False,
                  "configured": False},
    "conference.example.test": {"type": "component", "component_module": "muc", "load_global_modules": None,
                                "has_enabled": True, "has_disabled": True, "loaded": False, "configured": False},
}


def shell(found=True):
    return RecordingShell({
        "xs_module_find": lambda args: {"found": DIRS[1] + "mod_x.lua", "dirs": DIRS} if found else {"dirs": DIRS},
        "xs_module_hosts": lambda args: {"hosts": HOSTS, "global_has_enabled": True, "global_has_disabled": True},
        "xs_module_sync": lambda args: {"done": []},
    })


def wanted(**kwargs):
    base = {"name": "mam", "hosts": None, "state": "enabled", "dropin": "/nonexistent/dropin.cfg.lua"}
    base.update(kwargs)
    return pm.wanted_module(base)


def test_mod_prefix_is_accepted_and_removed():
    assert wanted(name="mod_mam")["name"] == "mam"
    assert wanted()["hosts"] == ["*"]


def test_enable_then_disable_moves_the_name_between_lists():
    state = pm.plan_state(wanted(hosts=["example.test"]), {}, HOSTS)
    assert state == {"example.test": {"enabled": ["mam"], "disabled": [], "component_module": None,
                                      "load_global_modules": None}}
    state = pm.plan_state(wanted(hosts=["example.test"], state="disabled"), state, HOSTS)
    assert state["example.test"]["enabled"] == [] and state["example.test"]["disabled"] == ["mam"]


def test_render_appends_instead_of_assigning_and_reopens_sections():
    state = pm.plan_state(wanted(), {}, HOSTS)
    state = pm.plan_state(wanted(name="muc_mam", hosts=["conference.example.test"]), state, HOSTS)
    text = pm.render(state)
    lines = text.splitlines()
    assert lines[0].startswith("-- Managed by Ansible")
    assert 'modules_enabled:append { "mam" }' in lines
    assert 'Component "conference.example.test" "muc"' in lines
    assert '\tmodules_enabled:append { "muc_mam" }' in lines
    assert "modules_enabled =" not in text
    # The global lines come before any section is opened.
    assert lines.index('modules_enabled:append { "mam" }') < lines.index('Component "conference.example.test" "muc"')


def test_the_state_line_round_trips():
    state = pm.plan_state(wanted(hosts=["example.test", "conference.example.test"]), {}, HOSTS)
    assert pm.parse_state(pm.render(state)) == state


def test_a_file_we_did_not_write_is_never_overwritten():
    with pytest.raises(ProsodyError, match="not written by prosody_module"):
        pm.parse_state('modules_enabled = { "x" }\n', "/etc/prosody/conf.d/90-x.cfg.lua")


def test_the_module_file_is_found_and_live_changes_predicted():
    session = shell()
    want = wanted(hosts=["example.test"])
    pm.prepare_hosts(session, want)
    path, hosts = pm.read_server(session, want)
    assert path.endswith("mod_x.lua")
    assert pm.live_changes(wanted(hosts=["example.test"]), hosts) == ["load on example.test"]
    assert pm.live_changes(wanted(), hosts) == ["load on bare.test", "load on example.test"]


BAD = [
    (dict(name="Bad-Name"), "invalid module name 'Bad-Name'"),
    (dict(name=""), "invalid module name ''"),
    (dict(name="../evil"), "invalid module name '../evil'"),
    (dict(hosts=[]), "hosts is empty"),
    (dict(hosts=["example.test", "example.test"]), "hosts lists example.test twice"),
    (dict(hosts=["example.test", "Example.TEST"]), "hosts lists example.test twice (as 'Example.TEST')"),
    (dict(hosts=["*", "*"]), "hosts lists * twice"),
    (dict(hosts=["alice@example.test"]), "expected a domain name, not a JID"),
    (dict(hosts=["example.test/x"]), "without a resource"),
    (dict(hosts=["\U0001f600.test"]), "nameprep refuses the domain"),
    (dict(hosts=[""]), "invalid host ''"),
    (dict(state="on"), "state 'on'"),
]


def run(session, **kwargs):
    base = {"name": "mam", "hosts": None, "state": "enabled", "dropin": "/nonexistent/dropin.cfg.lua"}
    base.update(kwargs)
    return prosody_module.run_module(ModuleStandIn(base), session)


@pytest.mark.parametrize("kwargs,message", BAD, ids=[case[1] for case in BAD])
def test_bad_options_are_refused_before_anything_changes(kwargs, message):
    session = shell()
    with pytest.raises(ProsodyError) as err:
        run(session, **kwargs)
    assert message in str(err.value)
    assert session.writes() == []


def test_the_write_check_sees_writes(tmp_path):
    session = shell()
    synced = {"example.test": dict(HOSTS["example.test"], loaded=True, configured=True)}
    session.answers["xs_module_sync"] = lambda args: session.answers.update(
        xs_module_hosts=lambda args: {"hosts": synced}) or {"done": ["loaded on example.test"]}
    result = run(session, hosts=["Example.TEST"], dropin=str(tmp_path / "90-x.cfg.lua"))
    assert result["changed"] is True and result["hosts"] == ["example.test"]
    assert len(session.writes()) == 1


def test_an_unknown_module_names_every_place_looked():
    session = shell(found=False)
    with pytest.raises(ProsodyError) as err:
        run(session, name="fast")
    assert "cannot find module 'fast'" in str(err.value)
    for directory in DIRS:
        assert directory in str(err.value)
    assert session.writes() == []


@pytest.mark.parametrize("kwargs,message", [
    (dict(hosts=["nohost.test"]), "unknown host nohost.test"),
    (dict(hosts=["bare.test"]), "the section of bare.test of the main configuration sets no modules_enabled"),
    (dict(hosts=["bare.test"], state="disabled"), "sets no modules_disabled list"),
])
def test_sections_that_cannot_be_extended_are_refused(kwargs, message):
    session = shell()
    with pytest.raises(ProsodyError) as err:
        run(session, **kwargs)
    assert message in str(err.value)
    assert session.writes() == []


def test_a_missing_dropin_directory_is_reported(tmp_path):
    with pytest.raises(ProsodyError, match="does not exist"):
        pm.write_atomic(str(tmp_path / "missing" / "x.cfg.lua"), "x")


def test_write_is_atomic_and_readable(tmp_path):
    path = str(tmp_path / "90-x.cfg.lua")
    state = pm.plan_state(wanted(), {}, HOSTS)
    pm.write_atomic(path, pm.render(state))
    assert pm.read_dropin(path)[1] == state
    assert pm.read_dropin(str(tmp_path / "none.cfg.lua")) == (None, {})
