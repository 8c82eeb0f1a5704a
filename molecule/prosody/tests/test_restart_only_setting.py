"""A setting that only a restart applies, changed in the inventory, restarts Prosody; the same run
again leaves the process alone; set back, it restarts Prosody again. The collector's thresholds
are such a setting (Prosody sets up its collector once, at start: util/startup.lua init_gc), and
the role tells them from reloadable ones by its record of the restart-only settings
(/etc/prosody/.xmpp-stack-restart-settings.json)."""
import json

import testinfra

from conftest import run_scenario_playbook

HOST = "prosody-trixie"
RECORD = "/etc/prosody/.xmpp-stack-restart-settings.json"
CONFIG = "/etc/prosody/prosody.cfg.lua"


def prosody_pid(host):
    pid = host.run("systemctl show -p MainPID --value prosody").stdout.strip()
    assert pid not in ("", "0"), "Prosody is not running on %s" % HOST
    return pid


def converge(**extra_vars):
    result = run_scenario_playbook("converge.yml", HOST, extra_vars)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    recap = output[output.rindex("PLAY RECAP"):]
    return " ".join(recap.split())


def minor_threshold(host):
    return json.loads(host.file(RECORD).content_string)["gc"]["minor_threshold"]


def test_a_changed_collector_threshold_restarts_prosody_and_nothing_else_does():
    host = testinfra.get_host("docker://" + HOST)
    first = prosody_pid(host)
    assert minor_threshold(host) == 5
    try:
        recap = converge(prosody_gc_minor_threshold=7)
        assert "failed=0" in recap and "changed=0" not in recap, recap
        assert "\tminor_threshold = 7;\n" in host.file(CONFIG).content_string
        assert minor_threshold(host) == 7
        changed = prosody_pid(host)
        assert changed != first
        # The same inventory again: nothing to apply, the same process.
        recap = converge(prosody_gc_minor_threshold=7)
        assert "changed=0" in recap and "failed=0" in recap, recap
        assert prosody_pid(host) == changed
    finally:
        recap = converge()
    assert "failed=0" in recap, recap
    assert minor_threshold(host) == 5
    assert "\tminor_threshold = 5;\n" in host.file(CONFIG).content_string
    assert prosody_pid(host) not in (first, changed)
