"""LDAP authentication (core auth_ldap) against a real slapd: the trixie host's second
VirtualHost, ldap.trixie.example.test, checks passwords against the slapd that prepare.yml set
up, with a password prepare.yml generated."""
import pytest
from conftest_helpers import container_address, controller_secret, scenario_ca_file
from xmpp_client import LoginFailed, Server, login

DOMAIN = "ldap.trixie.example.test"


@pytest.fixture(scope="module")
def ldap_server():
    return Server(address=container_address("prosody-trixie"), domain=DOMAIN,
                  ca_file=scenario_ca_file())


@pytest.fixture(scope="module")
def erin():
    return f"erin@{DOMAIN}", controller_secret("ldap-user-password")


def test_ldap_account_logs_in_over_tls(ldap_server, erin):
    result = login(ldap_server, *erin)
    # LDAP needs the clear password: PLAIN, and only inside TLS.
    assert result.mechanism == "PLAIN"
    assert result.starttls


def test_ldap_wrong_password_refused(ldap_server, erin):
    with pytest.raises(LoginFailed):
        login(ldap_server, erin[0], "not-the-password")


def test_ldap_unknown_user_refused(ldap_server):
    with pytest.raises(LoginFailed):
        login(ldap_server, f"nobody@{DOMAIN}", "whatever-password")
