"""DNS-01 with Debian 12's certbot: RFC 2136 updates of the dns.test zone on certbot-pebble's BIND."""

import os
import re

import pytest
import testinfra
from conftest_helpers import assert_not_in_step_logs

testinfra_hosts = ["ansible://certbot-dns"]

LINEAGE = "xmpp.dns.test"
DOMAINS = ["xmpp.dns.test", "conference.xmpp.dns.test"]
LIVE = f"/etc/letsencrypt/live/{LINEAGE}"
CREDENTIALS = "/etc/letsencrypt/xmpp-stack-rfc2136.ini"
TEST_CA = "/usr/local/share/pebble-test-ca.pem"


@pytest.fixture(scope="module")
def dns_server():
    return testinfra.get_host("ansible://certbot-pebble", ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])


@pytest.fixture(scope="module")
def tsig_secret(dns_server):
    return dns_server.file("/etc/bind/certbot-test.secret").content_string.strip()


def test_debian_12_with_rfc2136_plugin(host):
    assert host.system_info.codename == "bookworm"
    assert host.package("python3-certbot-dns-rfc2136").is_installed


def test_certificate_from_pebble_for_every_name(host):
    fetch = (
        "import ssl, urllib.request; "
        f"ctx = ssl.create_default_context(cafile='{TEST_CA}'); "
        "print(urllib.request.urlopen('https://certbot-pebble:15000/roots/0', context=ctx).read().decode())"
    )
    root = host.check_output(f'python3 -c "{fetch}"')
    host.check_output(f"cat > /tmp/pebble-root.pem <<'EOF'\n{root}\nEOF")
    verify = host.run(f"openssl verify -CAfile /tmp/pebble-root.pem -untrusted {LIVE}/chain.pem {LIVE}/cert.pem")
    assert verify.rc == 0 and verify.stdout.strip().endswith("OK"), verify.stdout + verify.stderr
    san = host.check_output(f"openssl x509 -noout -ext subjectAltName -in {LIVE}/cert.pem")
    assert sorted(re.findall(r"DNS:([^,\s]+)", san)) == sorted(DOMAINS)


def test_renewals_use_dns01(host):
    conf = host.file(f"/etc/letsencrypt/renewal/{LINEAGE}.conf").content_string
    assert "authenticator = dns-rfc2136" in conf
    assert f"dns_rfc2136_credentials = {CREDENTIALS}" in conf


def test_tsig_key_readable_by_root_only(host, tsig_secret):
    creds = host.file(CREDENTIALS)
    assert (creds.user, creds.group, creds.mode) == ("root", "root", 0o600)
    holds_secret = f"dns_rfc2136_secret = {tsig_secret}" in creds.content_string
    assert holds_secret, "the credentials file does not hold the TSIG secret"


def test_challenge_record_removed(dns_server):
    # certbot deletes its TXT record after validation: the zone holds no challenge left over.
    answer = dns_server.check_output("dig +short TXT _acme-challenge.xmpp.dns.test @127.0.0.1")
    assert answer == ""
    assert "ns.dns.test" in dns_server.check_output("dig +short NS dns.test @127.0.0.1")


def test_tsig_secret_not_in_ansible_output(tsig_secret):
    assert_not_in_step_logs(tsig_secret, "Configure | Write the rfc2136 TSIG credentials")


# An ACME problem raised through a generator-based `with` block, as certbot's code paths raise them.
ACME_ERROR_THROUGH_WITH = """
import contextlib, runpy, sys
if len(sys.argv) > 1:
    runpy.run_path(sys.argv[1])  # the wrapper, as a module: its fix without running certbot
from acme import messages


@contextlib.contextmanager
def block():
    yield


try:
    with block():
        raise messages.Error.with_code("badNonce", detail="test")
except messages.Error as error:
    print("ACME error", error.code)
"""
FIXED_CERTBOT = "/usr/local/lib/xmpp-stack/certbot-acme-error-fix.py"


def run_python(host, script, *args):
    host.check_output(f"cat > /root/acme-error.py <<'EOF'\n{script}\nEOF")
    return host.run(" ".join(["python3", "/root/acme-error.py", *args]))


def test_debian_12_acme_turns_ca_problems_into_attribute_errors(host):
    # Why the wrapper exists: Debian 12's own python3-acme loses the CA's problem.
    result = run_python(host, ACME_ERROR_THROUGH_WITH)
    assert result.rc != 0 and "can't set attribute" in result.stderr, result.stdout + result.stderr


def test_the_role_runs_certbot_with_the_fix_so_problems_arrive_as_acme_errors(host):
    result = run_python(host, ACME_ERROR_THROUGH_WITH, FIXED_CERTBOT)
    assert result.rc == 0 and result.stdout.strip() == "ACME error badNonce", result.stdout + result.stderr
    assert host.check_output(f"python3 {FIXED_CERTBOT} --version").startswith("certbot 2.1")


def test_renewals_run_through_the_fixed_certbot(host):
    exec_start = host.check_output("systemctl show certbot.service -p ExecStart")
    assert f"argv[]=/usr/bin/python3 {FIXED_CERTBOT} -q renew" in exec_start, exec_start
    # A renewal pass with nothing due succeeds (the unit is oneshot: start waits for it).
    host.check_output("systemctl start certbot.service")
    assert host.service("certbot.service").systemd_properties["Result"] == "success"
