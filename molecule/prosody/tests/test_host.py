"""Host state after the prosody role: package, service, files, validated configuration."""
import pytest

from conftest import GC_DROPIN, lua_pause, prosody_pid
from conftest_helpers import assert_prosody_writes_while_a_reader_holds, sqlite_account_rows, sqlite_journal_mode


def test_prosody_13_from_debian(host):
    assert host.package("prosody").version.startswith("13.")
    assert host.package("prosody-modules").is_installed


def test_backports_pin_covers_only_prosody(host):
    pin_file = host.file("/etc/apt/preferences.d/xmpp-stack-prosody")
    if host.system_info.codename == "trixie":
        # Debian 13 ships Prosody 13 itself: no backports, no pin.
        assert not pin_file.exists
        return
    pin = pin_file.content_string
    assert "Package: prosody prosody-modules\n" in pin
    policy = host.run("apt-cache policy prosody").stdout
    assert "~bpo12+1 990\n" in policy


def test_service_running_and_enabled(host):
    service = host.service("prosody")
    assert service.is_running
    assert service.is_enabled


def test_configuration_validates(host):
    result = host.run("prosodyctl check config")
    assert result.rc == 0, result.stdout
    assert "All checks passed" in result.stdout


# `prosodyctl check dns` needs real DNS records (SRV, A for every component): test domains
# have none, so the scenario runs every other check.
@pytest.mark.parametrize("what", ["config", "certs", "disabled"])
def test_prosodyctl_check_passes(host, what):
    result = host.run(f"prosodyctl check {what}")
    assert result.rc == 0, result.stdout


def test_config_file_protected_and_ends_with_include(host):
    config = host.file("/etc/prosody/prosody.cfg.lua")
    assert (config.user, config.group, config.mode) == ("root", "prosody", 0o640)
    assert config.content_string.rstrip().splitlines()[-1] == 'Include "conf.d/*.cfg.lua"'
    assert "Ansible managed" in config.content_string


def test_foreign_drop_in_kept(host):
    assert host.file("/etc/prosody/conf.d/50-foreign.cfg.lua").exists


def test_private_key_readable_by_prosody_only(host):
    domain = host.ansible.get_variables()["prosody_test_domain"]
    key = host.file(f"/etc/prosody/certs/{domain}.key")
    assert (key.user, key.group, key.mode) == ("root", "prosody", 0o640)


def test_lab_ca_trusted_by_host(host):
    assert host.file("/usr/local/share/ca-certificates/xmpp-stack-prosody-ca.crt").exists
    assert host.file("/etc/ssl/certs/xmpp-stack-prosody-ca.pem").exists


@pytest.mark.parametrize("port", [5222, 5223, 5269, 5280, 5281, 5000])
def test_listening(host, port):
    assert host.socket(f"tcp://0.0.0.0:{port}").is_listening


def test_only_requested_community_modules_linked(host):
    enabled = "/usr/local/lib/prosody/community/enabled"
    assert host.file(f"{enabled}/mod_xmpp_stack_probe").is_symlink
    assert not host.file(f"{enabled}/mod_xmpp_stack_unused").exists
    assert host.file("/usr/local/lib/prosody/community/test1/mod_xmpp_stack_unused").exists


def test_service_hardened(host):
    show = host.run("systemctl show prosody -p ProtectSystem -p NoNewPrivileges -p PrivateTmp").stdout
    assert "ProtectSystem=strict" in show
    assert "NoNewPrivileges=yes" in show
    assert "PrivateTmp=yes" in show


def test_prosody_allocates_through_jemalloc(host):
    """The drop-in's LD_PRELOAD reached the running process: jemalloc is mapped into it."""
    maps = host.run(f"cat /proc/{prosody_pid(host)}/maps")
    assert maps.rc == 0, maps.stderr
    assert "libjemalloc.so.2" in maps.stdout


def test_collector_settings_written_and_mode_applied(host):
    """The thresholds are in the file; the running Lua state is in generational mode (Lua cannot read the thresholds back)."""
    config = host.file("/etc/prosody/prosody.cfg.lua").content_string
    assert "\tminor_threshold = 5;\n" in config and "\tmajor_threshold = 200;\n" in config
    shell = host.run("""prosodyctl shell '> collectgarbage("generational") '""")
    assert shell.rc == 0, shell.stdout + shell.stderr
    # Switching to the mode it is already in returns that mode.
    assert "generational" in shell.stdout


def test_collector_pause_reaches_the_running_lua_state(host):
    """prosody_gc_pause (120) goes through the unit's drop-in (LUA_INIT_5_4) into Prosody's Lua
    state: setpause answers the value it replaces, and is given it back at once."""
    dropin = host.file(GC_DROPIN)
    assert dropin.exists and "collectgarbage('incremental', 120)" in dropin.content_string
    assert lua_pause(host) == 120


def test_metrics_served_to_localhost(host):
    result = host.run("python3 -c \"import urllib.request as u; "
                      "print(u.urlopen('http://127.0.0.1:5280/metrics').read().decode())\"")
    assert result.rc == 0
    assert "prosody_" in result.stdout


def test_accounts_stored_in_the_configured_backend(host, accounts):
    settings = host.ansible.get_variables()
    domain = settings["prosody_test_domain"]
    if settings.get("prosody_storage", "internal") == "sql":
        database = "/var/lib/prosody/" + settings["prosody_sql_database"]
        integrity, rows = sqlite_account_rows(host, database, "alice", domain)
        assert (integrity, rows > 0) == ("ok", True)
        assert not host.file(f"/var/lib/prosody/{domain.replace('.', '%2e')}/accounts").exists
        # WAL on both releases: LuaSQLite3 sets it on Debian 13; on Debian 12 (LuaDBI, no
        # LuaSQLite3) the role does (tasks/sqlite_journal.yml).
        assert sqlite_journal_mode(host, database) == "wal"
        assert host.package("lua-lsqlite3").is_installed == (not host.system_info.release.startswith("12"))
        assert (host.file(database).user, host.file(database).mode & 0o077) == ("prosody", 0o040)
        assert_prosody_writes_while_a_reader_holds(host, database, domain)
    else:
        account = host.file(f"/var/lib/prosody/{domain.replace('.', '%2e')}/accounts/alice.dat")
        assert account.user == "prosody"
        assert account.mode & 0o007 == 0  # the service's UMask keeps data from other users
