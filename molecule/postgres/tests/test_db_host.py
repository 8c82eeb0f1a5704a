"""The remote database host (Debian 13): PostgreSQL 17, the Prosody database, scram, pg_hba."""

from conftest import DATABASE, ROLE, admin_sql

testinfra_hosts = ["postgres-db"]


def test_postgresql_17_runs_and_starts_at_boot(host):
    assert host.package("postgresql-17").is_installed
    service = host.service("postgresql@17-main")
    assert service.is_running
    assert service.is_enabled


def test_listens_on_the_network_for_the_remote_prosody_host(host):
    assert host.socket("tcp://0.0.0.0:5432").is_listening


def test_tuning_from_variables_is_live(host):
    # shared_buffers only changes with a restart: this proves the restart handler ran.
    assert admin_sql(host, "SHOW shared_buffers") == "64MB"
    assert admin_sql(host, "SHOW max_connections") == "100"
    assert admin_sql(host, "SHOW password_encryption") == "scram-sha-256"


def test_database_is_owned_by_the_prosody_role(host):
    owner = admin_sql(
        host,
        f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{DATABASE}'",
    )
    assert owner == ROLE


def test_prosody_role_has_a_scram_verifier_and_no_privileges(host):
    row = admin_sql(
        host,
        "SELECT rolpassword LIKE 'SCRAM-SHA-256$%', rolsuper, rolcreatedb, rolcreaterole "
        f"FROM pg_authid WHERE rolname = '{ROLE}'",
    )
    assert row == "t|f|f|f"


def test_public_cannot_connect_to_the_prosody_database(host):
    acl = admin_sql(host, f"SELECT datacl::text FROM pg_database WHERE datname = '{DATABASE}'")
    # An ACL entry with an empty grantee ('=c/...') would mean PUBLIC may connect.
    assert not any(entry.startswith("=") for entry in acl.strip("{}").split(","))


def test_pg_hba_lets_in_only_the_prosody_host_with_scram(host):
    app_address = host.run("getent hosts postgres-app").stdout.split()[0]
    rules = admin_sql(
        host,
        "SELECT type, array_to_string(database, ','), array_to_string(user_name, ','), "
        "coalesce(address, ''), coalesce(netmask, ''), auth_method "
        "FROM pg_hba_file_rules ORDER BY line_number",
    ).splitlines()
    assert rules == [
        "local|all|postgres|||peer",
        f"hostssl|{DATABASE}|{ROLE}|{app_address}|255.255.255.255|scram-sha-256",
    ]


def test_configuration_files_are_not_world_readable(host):
    hba = host.file("/etc/postgresql/17/main/pg_hba.conf")
    assert hba.user == "postgres"
    assert hba.mode == 0o640
