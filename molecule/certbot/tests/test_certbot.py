"""The certbot role against a real ACME server (Pebble on certbot-pebble).

Certificates are checked the way clients see them: openssl s_client from this machine against
Prosody on certbot-xmpp, verified against the root Pebble generated at start-up.
"""

import os
import re
import subprocess
import time

import pytest
from conftest_helpers import host_address

testinfra_hosts = ["ansible://certbot-xmpp"]

LINEAGE = "chat.example.test"
DOMAINS = [
    "chat.example.test",
    "conference.chat.example.test",
    "upload.chat.example.test",
    "proxy.chat.example.test",
]
LIVE = f"/etc/letsencrypt/live/{LINEAGE}"
ARCHIVE = f"/etc/letsencrypt/archive/{LINEAGE}"
HOOK = "/etc/letsencrypt/renewal-hooks/deploy/xmpp-stack-deploy.sh"
TEST_CA = "/usr/local/share/pebble-test-ca.pem"
# (port, STARTTLS or direct TLS, name asked for): c2s STARTTLS, c2s direct TLS, HTTPS.
ENDPOINTS = [
    (5222, True, "chat.example.test"),
    (5223, False, "chat.example.test"),
    (5281, False, "chat.example.test"),
    (5281, False, "upload.chat.example.test"),
]


@pytest.fixture(scope="module")
def address(host):
    """The xmpp host's address on the scenario network, as this machine reaches it."""
    return host_address(host)


@pytest.fixture(scope="module")
def pebble_root(host, tmp_path_factory):
    """Pebble's root certificate (made anew each time Pebble starts), fetched from its API."""
    fetch = (
        "import ssl, urllib.request; "
        f"ctx = ssl.create_default_context(cafile='{TEST_CA}'); "
        "print(urllib.request.urlopen('https://certbot-pebble:15000/roots/0', context=ctx).read().decode())"
    )
    pem = host.check_output(f'python3 -c "{fetch}"')
    assert "BEGIN CERTIFICATE" in pem
    path = tmp_path_factory.mktemp("pebble") / "root.pem"
    path.write_text(pem + "\n")
    return str(path)


def x509(pem, *fields):
    """Runs `openssl x509 -noout FIELDS` on this machine over the first certificate of PEM."""
    return subprocess.run(
        ["openssl", "x509", "-noout", *fields], input=pem, capture_output=True, text=True, check=True
    ).stdout


def served(address, port, starttls, name, root):
    """What a TLS client sees: (leaf certificate PEM, s_client output with its verify result)."""
    cmd = ["openssl", "s_client", "-connect", f"{address}:{port}", "-servername", name,
           "-CAfile", root, "-verify_hostname", name, "-showcerts"]
    if starttls:
        cmd += ["-starttls", "xmpp", "-xmpphost", name]
    out = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30,
                         check=False).stdout  # s_client exits non-zero on verify errors: judged below
    match = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", out, re.S)
    assert match, f"no certificate served on {port} for {name}: {out[-500:]}"
    return match.group(0), out


def serial_of(pem):
    return x509(pem, "-serial").strip()


def live_serial(host):
    return host.check_output(f"openssl x509 -noout -serial -in {LIVE}/cert.pem").strip()


def archive_count(host):
    return len(host.file(ARCHIVE).listdir()) // 4  # cert, chain, fullchain, privkey per issue


def prosody_pid(host):
    return host.check_output("systemctl show -p MainPID --value prosody").strip()


def test_debian_certbot_installed(host):
    assert host.package("certbot").is_installed
    assert host.check_output("command -v certbot") == "/usr/bin/certbot"


def test_renewal_by_debians_timer_only(host):
    timer = host.service("certbot.timer")
    assert timer.is_enabled and timer.is_running
    # Renewals by the timer trust the same ACME CA as the role's own request.
    env = host.check_output("systemctl show -p Environment --value certbot.service")
    assert f"REQUESTS_CA_BUNDLE={TEST_CA}" in env
    # No second schedule: Debian's cron.d entry is the only cron mention and stands down under systemd.
    cron = host.run("grep -rl certbot /etc/cron.d /etc/cron.daily /etc/cron.hourly /var/spool/cron")
    assert cron.stdout.split() == ["/etc/cron.d/certbot"]
    assert "! -d /run/systemd/system" in host.file("/etc/cron.d/certbot").content_string


def test_deploy_hook_installed(host):
    hook = host.file(HOOK)
    assert hook.user == "root" and hook.mode == 0o750
    assert host.run(f"sh -n {HOOK}").rc == 0


def test_certificate_covers_every_name(host):
    san = host.check_output(f"openssl x509 -noout -ext subjectAltName -in {LIVE}/cert.pem")
    assert sorted(re.findall(r"DNS:([^,\s]+)", san)) == sorted(DOMAINS)


def run_playbook(name):
    """Runs a playbook of this scenario against its hosts, as Molecule does."""
    return subprocess.run(
        ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"],
         os.path.join(os.environ["MOLECULE_SCENARIO_DIRECTORY"], name)],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"},  # parseable output
        check=False,  # the callers assert the return code they expect (some runs must fail)
    )


def test_rerun_requests_nothing(host):
    count, serial = archive_count(host), live_serial(host)
    run = run_playbook("converge.yml")
    assert run.returncode == 0, run.stdout[-2000:]
    assert re.search(r"certbot-xmpp\s*: ok=\d+\s+changed=0\s", run.stdout)
    # The request task is reached and skipped: the CA is not asked.
    assert re.search(r"TASK \[certbot : Obtain \| Run certbot certonly for chat\.example\.test\] \**\nskipping:", run.stdout)
    assert archive_count(host) == count and live_serial(host) == serial


def test_prosody_files_owned_and_private(host):
    live_chain = host.file(f"{LIVE}/fullchain.pem").content_string
    for domain in DOMAINS:
        crt = host.file(f"/etc/prosody/certs/{domain}.crt")
        key = host.file(f"/etc/prosody/certs/{domain}.key")
        assert crt.content_string == live_chain
        assert (crt.user, crt.group, crt.mode) == ("root", "prosody", 0o644)
        assert (key.user, key.group, key.mode) == ("root", "prosody", 0o640)


@pytest.mark.parametrize("port,starttls,name", ENDPOINTS)
def test_prosody_serves_pebble_certificate(host, address, pebble_root, port, starttls, name):
    leaf, out = served(address, port, starttls, name, pebble_root)
    assert "Verify return code: 0 (ok)" in out
    assert "Pebble Intermediate CA" in x509(leaf, "-issuer")
    assert serial_of(leaf) == live_serial(host)


def test_forced_renewal_reaches_prosody_without_restart(host, address, pebble_root):
    old_serial, old_count, pid = live_serial(host), archive_count(host), prosody_pid(host)
    for _attempt in range(3):
        renew = host.run(
            f"REQUESTS_CA_BUNDLE={TEST_CA} certbot renew --force-renewal --no-random-sleep-on-renew"
        )
        # Pebble rejects 5 % of good nonces on purpose; RFC 8555 says retry (certbot.timer would).
        if renew.rc == 0 or "anti-replay nonce" not in renew.stdout + renew.stderr:
            break
    assert renew.rc == 0, renew.stderr
    new_serial = live_serial(host)
    assert new_serial != old_serial and archive_count(host) == old_count + 1
    # The hook reloaded Prosody (SIGHUP): poll briefly, the reload is asynchronous.
    for port, starttls, name in ENDPOINTS:
        deadline = time.monotonic() + 15
        while serial_of(served(address, port, starttls, name, pebble_root)[0]) != new_serial:
            assert time.monotonic() < deadline, f"port {port} still serves {old_serial}"
            time.sleep(1)
    assert prosody_pid(host) == pid


def test_unvalidatable_name_fails_with_reason_and_keeps_certificate(host, address, pebble_root):
    before = serial_of(served(address, 5222, True, "chat.example.test", pebble_root)[0])
    count = archive_count(host)
    run = run_playbook("unvalidatable.yml")
    assert run.returncode != 0
    # The task's message, with the YAML callback's line wrapping undone.
    message = " ".join((run.stdout + run.stderr).split())
    assert "certbot could not obtain chat.example.test" in message
    # Certbot's own reason, as Pebble reported it for the unknown name.
    assert re.search(r"Domain: nowhere\.chat\.example\.test.*Detail: .*(could not resolve|NXDOMAIN|DNS problem)", message)
    assert archive_count(host) == count
    after = serial_of(served(address, 5222, True, "chat.example.test", pebble_root)[0])
    assert after == before == live_serial(host)
