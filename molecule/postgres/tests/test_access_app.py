"""The Prosody host reaches the remote database only with TLS, its role and its password."""

from conftest import DATABASE, ROLE, psql

testinfra_hosts = ["postgres-app"]

CONNINFO = f"host=postgres-db dbname={DATABASE} user={ROLE}"


def test_prosody_host_connects_with_tls_and_the_password(host, db_password):
    result = psql(
        host,
        f"{CONNINFO} sslmode=require",
        "SELECT current_user || ' ' || ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        db_password,
    )
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == f"{ROLE} true"


def test_prosody_host_without_tls_is_refused(host, db_password):
    result = psql(host, f"{CONNINFO} sslmode=disable", "SELECT 1", db_password)
    assert result.rc != 0
    assert "no pg_hba.conf entry" in result.stderr
    assert "no encryption" in result.stderr


def test_wrong_password_is_refused(host):
    result = psql(host, f"{CONNINFO} sslmode=require", "SELECT 1", "not-the-password-at-all")
    assert result.rc != 0
    assert "password authentication failed" in result.stderr


def test_other_roles_are_refused_from_the_prosody_host(host, db_password):
    result = psql(host, "host=postgres-db dbname=postgres user=postgres sslmode=require", "SELECT 1", db_password)
    assert result.rc != 0
    assert "no pg_hba.conf entry" in result.stderr
