"""The TURN server host: package, service, configuration, hardening and the secret's keeping."""
import os
import stat

import pytest

testinfra_hosts = ["ansible://coturn-server"]

CONFIG = "/etc/turnserver.conf"
# A sample of the defaults that must be denied: one per kind of range.
DENIED = [
    "0.0.0.0-0.255.255.255",
    "10.0.0.0-10.255.255.255",
    "100.64.0.0-100.127.255.255",
    "127.0.0.0-127.255.255.255",
    "169.254.0.0-169.254.255.255",
    "172.16.0.0-172.31.255.255",
    "192.168.0.0-192.168.255.255",
    "224.0.0.0-239.255.255.255",
    "240.0.0.0-255.255.255.255",
    "::-::ffff:ffff",
    "::ffff:0:0-::ffff:ffff:ffff",
    "fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "ff00::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
]


def config_lines(host):
    return [line.strip() for line in host.file(CONFIG).content_string.splitlines()]


def test_coturn_runs_and_starts_at_boot(host):
    service = host.service("coturn")
    assert service.is_running
    assert service.is_enabled


def _listening(host, flags):
    """Local 'address:port' of every listening socket ss shows with these flags."""
    return [line.split()[3] for line in host.check_output(f"ss -H {flags}").splitlines()]


@pytest.mark.parametrize("port", [3478, 5349])
@pytest.mark.parametrize("flags", ["-lnu", "-lnt"])
def test_listens_on_udp_and_tcp(host, server_private_ip, port, flags):
    assert f"{server_private_ip}:{port}" in _listening(host, flags)


def test_no_admin_interfaces_listen(host):
    # coturn's telnet CLI (5766) and web admin (8080) are off.
    ports = [address.rsplit(":", 1)[1] for address in _listening(host, "-lnt")]
    assert "5766" not in ports
    assert "8080" not in ports


def test_configuration_holds_the_secret_for_coturn_only(host):
    config = host.file(CONFIG)
    assert config.user == "root"
    assert config.group == "turnserver"
    assert config.mode == 0o640


def test_rest_api_authentication(host):
    lines = config_lines(host)
    assert "use-auth-secret" in lines
    assert "lt-cred-mech" not in lines
    assert "no-auth" not in lines
    assert sum(line.startswith("static-auth-secret=") for line in lines) == 1
    assert "realm=turn.example.test" in lines


def test_secure_relay_policy(host):
    lines = config_lines(host)
    for option in ("no-cli", "no-multicast-peers", "no-tcp-relay", "no-tlsv1", "no-tlsv1_1",
                   "no-software-attribute"):
        assert option in lines, option
    denied = {line.split("=", 1)[1] for line in lines if line.startswith("denied-peer-ip=")}
    assert set(DENIED) <= denied


def test_only_the_test_peer_and_the_own_relay_addresses_are_excepted(
        host, client_ip, server_ip, server_private_ip):
    lines = config_lines(host)
    assert [line for line in lines if line.startswith("allowed-peer-ip=")] == [
        f"allowed-peer-ip={client_ip}",
        f"allowed-peer-ip={server_ip}",
        f"allowed-peer-ip={server_private_ip}",
    ]


def test_external_ip_maps_public_to_private(host, server_ip, server_private_ip):
    assert f"external-ip={server_ip}/{server_private_ip}" in config_lines(host)


def test_external_ip_detected_without_nat(direct, direct_ip, client_ip):
    lines = config_lines(direct)
    assert f"external-ip={direct_ip}" in lines
    assert [line for line in lines if line.startswith("allowed-peer-ip=")] == [
        f"allowed-peer-ip={client_ip}",
        f"allowed-peer-ip={direct_ip}",
    ]


def test_tls_uses_a_copy_readable_by_coturn(host):
    for name in ("turn.crt", "turn.key"):
        copy = host.file(f"/etc/coturn/tls/{name}")
        assert copy.group == "turnserver" and copy.mode == 0o640
        original = host.file(f"/etc/ssl/coturn-test/{name}")
        assert copy.sha256sum == original.sha256sum
    assert host.service("coturn-tls-sync.path").is_running


def test_service_is_hardened(host):
    props = dict(
        line.split("=", 1)
        for line in host.check_output(
            "systemctl show coturn -p User -p NoNewPrivileges -p ProtectSystem -p ProtectHome "
            "-p PrivateDevices -p CapabilityBoundingSet -p LimitNOFILE"
        ).splitlines()
    )
    assert props["User"] == "turnserver"
    assert props["NoNewPrivileges"] == "yes"
    assert props["ProtectSystem"] == "strict"
    assert props["ProtectHome"] == "yes"
    assert props["PrivateDevices"] == "yes"
    assert props["CapabilityBoundingSet"] == ""
    assert props["LimitNOFILE"] == "65536"
    # systemd's own rating: "OK" is below 4.0 on its 0-10 exposure scale.
    rating = host.check_output("systemd-analyze security coturn.service --no-pager | tail -1")
    exposure = float(rating.split("coturn.service:")[1].split()[0])
    assert exposure < 3.0, rating


def test_open_files_limit_fits_the_relay_range(host):
    # The test bed caps every container at its own hard limit (20000); systemd applies the lower.
    pid = host.check_output("systemctl show -p MainPID --value coturn")
    limits = host.file(f"/proc/{pid}/limits").content_string
    soft = int(next(line for line in limits.splitlines() if line.startswith("Max open files")).split()[3])
    ceiling = int(host.check_output("cat /proc/1/limits | awk '/Max open files/ {print $5}'"))
    assert soft == min(65536, ceiling)


def test_secret_kept_on_the_controller_and_used_by_coturn(host, secret, secret_file):
    assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600
    assert len(secret) >= 32
    on_host = [line for line in config_lines(host) if line.startswith("static-auth-secret=")]
    # A bare boolean keeps pytest from printing either secret if they differ.
    same = on_host == [f"static-auth-secret={secret}"]
    assert same, "coturn's secret differs from the one kept on the controller"


def test_secret_not_in_the_journal(host, secret):
    leaked = secret in host.check_output("journalctl --no-pager -o cat")
    assert not leaked


def test_config_checker_refuses_what_coturn_would_skip(host):
    bad = "/tmp/turnserver-bad.conf"
    host.run(f"printf 'no-cli\\ndenied-peer-ip=10.0.0.0-9.255.255.255\\nno-tcp-relays\\n' > {bad}")
    result = host.run(f"python3 /usr/local/lib/xmpp-stack/coturn_check_config.py {bad}")
    assert result.rc == 1
    assert "line 2: denied-peer-ip is not a range" in result.stderr
    assert "line 3: unknown option 'no-tcp-relays'" in result.stderr
    assert host.run(f"python3 /usr/local/lib/xmpp-stack/coturn_check_config.py {CONFIG}").rc == 0


def test_debian_build_has_no_prometheus_endpoint(host):
    # Documents why coturn_prometheus_enabled cannot be true on Debian (README.md).
    result = host.run("turnserver -h")
    assert "--max-port" in result.stdout + result.stderr
    assert "--prometheus" not in result.stdout + result.stderr
