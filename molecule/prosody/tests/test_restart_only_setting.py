"""Settings that only a restart applies, changed in the inventory, restart Prosody, and the
running Lua state then has them; the same inventory again leaves the process alone; set back,
they restart Prosody again. The collector's settings are such settings (Prosody sets up its
collector once, at start: util/startup.lua init_gc): the thresholds, which the role tells from
reloadable settings by its record of the restart-only ones
(/etc/prosody/.xmpp-stack-restart-settings.json), and Lua's pause, which a drop-in of the unit
sets (prosody_gc_pause) and which goes with generational mode."""
import json

import testinfra

from conftest import GC_DROPIN, lua_pause, prosody_pid, run_scenario_playbook

HOST = "prosody-trixie"
RECORD = "/etc/prosody/.xmpp-stack-restart-settings.json"
CONFIG = "/etc/prosody/prosody.cfg.lua"


def converge(**extra_vars):
    """The scenario's converge on HOST; returns (return code, the run's output, its PLAY RECAP in one line)."""
    result = run_scenario_playbook("converge.yml", HOST, extra_vars)
    output = result.stdout + result.stderr
    recap = output[output.rindex("PLAY RECAP"):] if "PLAY RECAP" in output else ""
    return result.returncode, output[-3000:], " ".join(recap.split())


def assert_converged(run, changed):
    code, output, recap = run
    assert code == 0 and "failed=0" in recap, output
    assert ("changed=0" not in recap) == changed, recap


def minor_threshold(host):
    return json.loads(host.file(RECORD).content_string)["gc"]["minor_threshold"]


def test_collector_settings_restart_prosody_and_an_unchanged_run_does_not():
    host = testinfra.get_host("docker://" + HOST)
    first = prosody_pid(host)
    assert minor_threshold(host) == 5 and lua_pause(host) == 120
    try:
        assert_converged(converge(prosody_gc_minor_threshold=7, prosody_gc_pause=160), changed=True)
        assert "\tminor_threshold = 7;\n" in host.file(CONFIG).content_string
        assert minor_threshold(host) == 7
        assert "collectgarbage('incremental', 160)" in host.file(GC_DROPIN).content_string
        changed = prosody_pid(host)
        assert changed != first
        assert lua_pause(host) == 160
        # The same inventory again: nothing to apply, the same process.
        assert_converged(converge(prosody_gc_minor_threshold=7, prosody_gc_pause=160), changed=False)
        assert prosody_pid(host) == changed
        # Incremental mode: the drop-in goes, and Prosody's own threshold (105) is the pause again,
        # as Lua keeps it (steps of 4).
        assert_converged(converge(prosody_gc_mode="incremental"), changed=True)
        assert not host.file(GC_DROPIN).exists
        assert '\tmode = "incremental";\n' in host.file(CONFIG).content_string
        incremental = prosody_pid(host)
        assert incremental != changed
        assert lua_pause(host) == 104
    finally:
        # No assertion here: a failure above stays the one reported.
        back = converge()
    assert_converged(back, changed=True)
    assert minor_threshold(host) == 5 and lua_pause(host) == 120
    assert "\tminor_threshold = 5;\n" in host.file(CONFIG).content_string
    assert prosody_pid(host) not in (first, changed, incremental)
