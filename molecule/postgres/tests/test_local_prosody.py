"""Prosody and its database on one host (Debian 12): PostgreSQL 15 on the local socket only."""

from conftest import DATABASE, ROLE, admin_sql, psql

testinfra_hosts = ["postgres-app"]

SOCKET = f"host=/var/run/postgresql dbname={DATABASE} user={ROLE}"


def test_postgresql_15_runs(host):
    assert host.package("postgresql-15").is_installed
    assert host.service("postgresql@15-main").is_running


def test_listens_on_loopback_only(host):
    assert host.socket("tcp://127.0.0.1:5432").is_listening
    assert not host.socket("tcp://0.0.0.0:5432").is_listening


def test_prosody_role_connects_on_the_socket_with_its_password(host, app_password):
    result = psql(host, SOCKET, "SELECT current_user || ' ' || current_setting('server_version_num')", app_password)
    assert result.rc == 0, result.stderr
    user, version = result.stdout.split()
    assert user == ROLE
    assert version.startswith("15")


def test_socket_needs_the_password_too(host):
    result = psql(host, SOCKET, "SELECT 1")
    assert result.rc != 0
    assert "no password supplied" in result.stderr


def test_pg_hba_has_no_remote_rule(host):
    addresses = admin_sql(host, "SELECT DISTINCT coalesce(address, 'socket') FROM pg_hba_file_rules ORDER BY 1")
    assert addresses.splitlines() == ["127.0.0.1", "::1", "socket"]


def test_each_database_host_has_its_own_generated_password(app_password, db_password):
    assert len(app_password) == 32
    assert app_password != db_password
