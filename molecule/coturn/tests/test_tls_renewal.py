"""A renewed certificate reaches coturn without a restart (SIGUSR2 reload through the path unit)."""
import time

testinfra_hosts = ["ansible://coturn-server"]

SOURCE = "/etc/ssl/coturn-test"


def served_fingerprint(client, server_ip):
    """SHA-256 fingerprint of the certificate coturn presents on its TLS port."""
    return client.run(
        f"openssl s_client -connect {server_ip}:5349 </dev/null 2>/dev/null"
        " | openssl x509 -noout -fingerprint -sha256"
    ).stdout.strip()


def file_fingerprint(host, path):
    return host.check_output(f"openssl x509 -in {path} -noout -fingerprint -sha256").strip()


def test_renewed_certificate_is_served_without_restart(host, client, server_ip):
    assert served_fingerprint(client, server_ip) == file_fingerprint(host, f"{SOURCE}/turn.crt")
    pid_before = host.check_output("systemctl show -p MainPID --value coturn")

    # Renew the way certbot does: new key and certificate written next to the old, then moved in.
    host.check_output(
        f"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30"
        f" -subj /CN=turn.example.test -keyout {SOURCE}/new.key -out {SOURCE}/new.crt 2>/dev/null"
        f" && mv {SOURCE}/new.key {SOURCE}/turn.key && mv {SOURCE}/new.crt {SOURCE}/turn.crt"
    )
    renewed = file_fingerprint(host, f"{SOURCE}/turn.crt")

    # The path unit waits 2 s for the key and certificate to both land, then reloads coturn.
    deadline = time.monotonic() + 30
    served = served_fingerprint(client, server_ip)
    while served != renewed and time.monotonic() < deadline:
        time.sleep(1)
        served = served_fingerprint(client, server_ip)
    assert served == renewed
    assert host.check_output("systemctl show -p MainPID --value coturn") == pid_before
