"""Both Prosody hosts keep their data in the database host's PostgreSQL, over TLS, with the
password site.yml generated; nothing else may log in to it."""
from conftest_helpers import container_address

testinfra_hosts = ["ansible://db1.example.org"]


def psql(host, sql):
    return host.check_output("runuser -u postgres -- psql -XtA -d prosody -c %s", sql)


def test_accounts_of_both_domains_are_rows_in_postgresql(host, accounts):
    rows = psql(host, "SELECT host || ':' || \"user\" FROM prosody WHERE store = 'accounts' ORDER BY 1")
    assert "alpha.example.test:alice" in rows.split()
    assert "beta.example.test:bob" in rows.split()


def test_prosody_connections_use_tls(host, accounts):
    sessions = psql(host, "SELECT a.client_addr, s.ssl FROM pg_stat_activity a "
                          "JOIN pg_stat_ssl s USING (pid) WHERE a.usename = 'prosody'")
    lines = [line.split("|") for line in sessions.splitlines() if line]
    assert {line[0] for line in lines} >= {container_address("xmpp1.example.org"), container_address("xmpp2.example.net")}
    assert all(line[1] == "t" for line in lines), lines


def test_the_exporter_logs_in_by_peer_to_the_postgres_database_only(host):
    # pg_hba's `local postgres prometheus peer` line (the inventory has monitoring hosts).
    assert host.check_output("runuser -u prometheus -- psql -XtA -d postgres -c 'SELECT 1'") == "1"
    refused = host.run("runuser -u prometheus -- psql -XtA -d prosody -c 'SELECT 1'")
    assert refused.rc != 0 and "no pg_hba.conf entry" in refused.stderr
