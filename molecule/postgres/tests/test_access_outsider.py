"""A host of the same network that is not a Prosody host is refused by pg_hba."""

from conftest import DATABASE, ROLE, psql

testinfra_hosts = ["postgres-outsider"]

CONNINFO = f"host=postgres-db dbname={DATABASE} user={ROLE}"


def test_outsider_with_the_right_password_is_refused_by_pg_hba(host, db_password):
    # The server is reached (the refusal names pg_hba), so only the address rule keeps it out.
    result = psql(host, f"{CONNINFO} sslmode=require", "SELECT 1", db_password)
    assert result.rc != 0
    assert "no pg_hba.conf entry for host" in result.stderr
