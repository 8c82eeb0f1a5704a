"""The test bed's hosts are real systemd Debian machines."""


def test_systemd_is_pid_1(host):
    assert host.file("/proc/1/comm").content_string.strip() == "systemd"


def test_system_is_up(host):
    state = host.run("systemctl is-system-running").stdout.strip()
    assert state in ("running", "degraded")


def test_package_installed_through_cache(host):
    assert host.package("hello").is_installed
    assert host.run("hello").stdout.strip() == "Hello, world!"


def test_suite_matches_platform(host):
    codename = host.system_info.codename
    assert host.backend.get_hostname().endswith(codename)
