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


BIND = ("import socket, sys; s = socket.socket(); "
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', int(sys.argv[1])))")


def bind_as(host, user, port):
    """Binds a TCP socket on port as user (runuser drops every capability of root)."""
    prefix = "" if user == "root" else f"runuser -u {user} -- "
    return host.run(f'{prefix}python3 -c "{BIND}" {port}')


def test_unprivileged_user_cannot_bind_443(host):
    """As on a real Debian machine (ip_unprivileged_port_start=1024), not as in a stock container."""
    assert host.run("sysctl -n net.ipv4.ip_unprivileged_port_start").stdout.strip() == "1024"
    refused = bind_as(host, "nobody", 443)
    assert refused.rc != 0
    assert "Permission denied" in refused.stderr


def test_unprivileged_user_binds_above_1023_and_root_binds_443(host):
    """The refusal above is the port rule, not a broken socket: the same code binds elsewhere."""
    assert bind_as(host, "nobody", 1024).rc == 0
    assert bind_as(host, "root", 443).rc == 0


def test_unprivileged_user_cannot_open_icmp_sockets(host):
    """ping_group_range '1 0' (no group), Debian's default, not Docker's 'every group'."""
    assert host.run("sysctl -n net.ipv4.ping_group_range").stdout.split() == ["1", "0"]
    icmp = host.run("runuser -u nobody -- python3 -c \"import socket; "
                    "socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)\"")
    assert icmp.rc != 0
    assert "Permission denied" in icmp.stderr


def test_reached_by_ssh_on_a_docker_exec_pipe(host):
    """Ansible and testinfra come in by ssh (.config/molecule/config.yml), through sshd on the pipe of
    a `docker exec` (scripts/testbed.sh): sshd has no socket to name a peer, and no sshd listens."""
    assert host.run("printenv SSH_CONNECTION").stdout.split() == ["UNKNOWN", "65535", "UNKNOWN", "65535"]
    assert not host.service("ssh").is_enabled
    assert not host.socket("tcp://0.0.0.0:22").is_listening
    assert not host.socket("tcp://:::22").is_listening
