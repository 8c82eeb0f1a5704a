"""prosody_module and prosody_info on a real Prosody: the drop-in, live loading, state kept
across a restart, a disabled module disappearing for a real client, and bad names."""

import pytest

from conftest import module_task, secret
from xmpp_client import disco_form

MODULE = "xmpp.stack.prosody_module"
DROPIN = "/etc/prosody/conf.d/90-xmpp-stack-modules.cfg.lua"


def loaded(host, vhost):
    out = host.run("prosodyctl shell module list %s" % vhost)
    assert out.rc == 0, out.stdout + out.stderr
    return set(line.strip() for line in out.stdout.splitlines())


def wait_for_shell(host):
    """After a restart the admin socket comes back within a few seconds."""
    for _attempt in range(30):
        if host.run("prosodyctl shell server version").rc == 0:
            return
        host.run("sleep 0.5")
    pytest.fail("prosodyctl shell did not come back after the restart")


def test_the_dropin_appends_to_the_main_lists(host):
    text = host.file(DROPIN).content_string
    assert 'modules_enabled:append { "mam" }' in text
    assert 'Component "conference.example.test" "muc"' in text
    # The main file's own list is extended, not replaced: its modules are still loaded.
    assert {"mam", "disco", "roster", "time", "version"} <= loaded(host, "example.test")
    assert "muc_mam" in loaded(host, "conference.example.test")


def test_enabled_modules_survive_a_restart(host):
    enabled = module_task(MODULE, {"name": "motd", "hosts": ["example.test"]})
    assert enabled["changed"] is True and enabled["live"] == ["loaded on example.test"]
    assert module_task(MODULE, {"name": "motd", "hosts": ["example.test"]})["changed"] is False
    assert host.run("systemctl restart prosody").rc == 0
    wait_for_shell(host)
    # motd from the drop-in, time from the VirtualHost's own list in the main file: appended.
    assert {"motd", "mam", "time"} <= loaded(host, "example.test")
    assert "muc_mam" in loaded(host, "conference.example.test")


def test_a_disabled_module_is_gone_for_a_client_and_comes_back(host, address, cafile):
    def server_features():
        return disco_form("alice@example.test", secret("alice"), address, cafile, "example.test")[1]

    assert "jabber:iq:version" in server_features()
    disabled = module_task(MODULE, {"name": "version", "state": "disabled"}, diff=True)
    try:
        assert disabled["changed"] is True
        assert "unloaded from example.test" in disabled["live"]
        assert 'modules_disabled:append { "version" }' in disabled["diff"]["after"]
        assert "jabber:iq:version" not in server_features()
    finally:
        module_task(MODULE, {"name": "version", "state": "enabled"})
    assert "jabber:iq:version" in server_features()


def test_check_mode_writes_nothing(host):
    before = host.file(DROPIN).content_string
    planned = module_task(MODULE, {"name": "mimicking"}, check=True, diff=True)
    assert planned["changed"] is True and planned["live"] == ["load on example.test", "load on other.test"]
    assert host.file(DROPIN).content_string == before
    assert "mimicking" not in loaded(host, "example.test")


@pytest.mark.parametrize("args,message", [
    ({"name": "fast"}, "Prosody cannot find module 'fast' on this host: looked for mod_fast.lua"),
    ({"name": "jingle_stats"}, "/usr/lib/prosody/modules"),
    ({"name": "Bad-Name"}, "invalid module name 'Bad-Name'"),
    ({"name": "ping", "hosts": ["nohost.test"]}, "unknown host nohost.test"),
    ({"name": "ping", "hosts": []}, "hosts is empty"),
    ({"name": "ping", "hosts": ["example.test", "EXAMPLE.test"]}, "hosts lists example.test twice"),
])
def test_bad_names_fail_clearly_and_change_nothing(host, args, message):
    before = host.file(DROPIN).content_string
    result = module_task(MODULE, args)
    assert result.get("failed") is True
    assert message in result["msg"]
    assert host.file(DROPIN).content_string == before


def test_info_reports_hosts_components_and_counts():
    info = module_task("xmpp.stack.prosody_info", {})
    assert info["changed"] is False
    assert info["version"].startswith("13.")
    assert info["hosts"]["example.test"]["users"] == 4
    assert info["hosts"]["other.test"]["users"] == 2
    assert "mam" in info["hosts"]["example.test"]["modules"]
    muc = info["components"]["conference.example.test"]
    assert muc["module"] == "muc" and muc["rooms"] == 3
    assert info["components"]["conference.other.test"]["rooms"] == 1
