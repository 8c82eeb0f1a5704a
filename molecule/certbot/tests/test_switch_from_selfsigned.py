"""A host deployed with lab certificates (prepare.yml: prosody_tls_source selfsigned), then
switched to certbot by converge: the lab CA is no longer trusted and no certificate it signed is
left in Prosody's directory. That every port serves the ACME certificate is test_certbot.py's
test_prosody_serves_pebble_certificate; that a second run changes nothing is the idempotence step."""
import os
import pathlib
import re

testinfra_hosts = ["ansible://certbot-xmpp"]

LAB_CA = pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "lab-ca" / "ca.crt"
TRUST_FILE = "/usr/local/share/ca-certificates/xmpp-stack-prosody-ca.crt"
CONVERGE_LOG = (pathlib.Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / "artifacts" / "molecule"
                / "certbot" / "converge.log")


def _pem_body(pem):
    return "".join(line for line in pem.splitlines() if line and not line.startswith("-----"))


def test_the_lab_ca_was_there_before_the_switch():
    # prepare made the lab CA and checked the host trusted it; converge removed lab certificates.
    assert LAB_CA.is_file()
    log = CONVERGE_LOG.read_text(encoding="utf-8")
    assert re.search(r"changed: \[certbot-xmpp\] => \(item=/etc/prosody/certs/chat\.example\.test\.crt\)", log)
    assert re.search(r"TASK \[prosody : certificates_lab_removal \| Stop trusting the lab CA\][^\n]*\n+changed: \[certbot-xmpp\]", log)


def test_lab_ca_no_longer_trusted(host):
    assert not host.file(TRUST_FILE).exists
    bundle = host.file("/etc/ssl/certs/ca-certificates.crt").content_string
    assert _pem_body(LAB_CA.read_text(encoding="utf-8")) not in _pem_body(bundle)
    assert not host.file("/etc/ssl/certs/xmpp-stack-prosody-ca.pem").exists


def test_no_lab_signed_certificate_left(host):
    certs = host.file("/etc/prosody/certs").listdir()
    assert "chat.example.test.crt" in certs, "certbot's certificate must be there"
    for name in certs:
        if name.endswith(".crt"):
            issuer = host.check_output(f"openssl x509 -noout -issuer -in /etc/prosody/certs/{name}")
            assert "xmpp.stack lab CA" not in issuer, (name, issuer)
