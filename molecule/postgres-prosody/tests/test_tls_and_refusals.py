"""Prosody on the site's PostgreSQL with verified TLS, and refused logins (after test_sql_storage).

Prosody connects from its backend address over TLS, checks the server's certificate against the
site's CA (sslmode verify-full, also through its own driver, LuaDBI), site.yml from the inventory
without db_servers changes nothing, and a wrong CA or a wrong password fails the play with
PostgreSQL's own reason while nothing of Prosody's changes."""
import json
import shlex

from conftest import (DB_HOST, EXTERNAL_INVENTORY, PROJECT, XMPP_HOST, admin_sql, backend_addresses,
                      ephemeral_dir, failures, run_playbook)

SITE = PROJECT / "playbooks" / "site.yml"
LOGIN_CHECK = "xmpp.stack.prosody : sql_login | Fail with PostgreSQL's reason when it refuses the login"
CA_ON_HOST = "/etc/prosody/sql-ca.crt"


def site_ca(name="ca.crt"):
    return ephemeral_dir() / "site-ca" / name


def live_sql(xmpp_host):
    """Prosody's sql setting as the running server holds it, without the password."""
    lua = '> local s = require"prosody.core.configmanager".get("*", "sql"); ' \
          'return require"prosody.util.json".encode({host = s.host, database = s.database, port = s.port})'
    out = xmpp_host.run(f"prosodyctl shell {shlex.quote(lua)}").stdout
    return json.loads(out[out.index("{"):out.rindex("}") + 1])


def test_prosody_logs_in_from_its_backend_address_over_tls(db_host):
    rows = admin_sql(db_host, "SELECT DISTINCT host(a.client_addr), s.ssl FROM pg_stat_activity a "
                              "JOIN pg_stat_ssl s USING (pid) WHERE a.usename = 'prosody'")
    assert rows.splitlines() == [f"{backend_addresses()[XMPP_HOST]}|t"]


def test_prosody_checks_the_server_certificate_against_the_sites_ca(xmpp_host):
    sql = live_sql(xmpp_host)
    assert sql["host"] == backend_addresses()[DB_HOST]
    assert sql["database"] == f"dbname='prosody' sslmode='verify-full' sslrootcert='{CA_ON_HOST}'"
    assert xmpp_host.file(CA_ON_HOST).content_string == site_ca().read_text()


def test_prosodys_own_driver_refuses_a_certificate_the_ca_does_not_sign(xmpp_host):
    """LuaDBI gets the connection string as Prosody hands it over: libpq checks the certificate."""
    script = ("local DBI = require 'DBI'; local pw = io.open('/etc/prosody/secrets/sql-password'):read('l'); "
              "local conn, err = DBI.Connect('PostgreSQL', arg[1], 'prosody', pw, arg[2], 5432); "
              "print(conn and 'connected' or ('refused: ' .. tostring(err)))\n")
    setup = xmpp_host.run(f"install -d -m 0700 /root/h && printf %s {shlex.quote(site_ca('other-ca.crt').read_text())}"
                          f" > /root/h/other-ca.crt && printf %s {shlex.quote(script)} > /root/h/connect.lua")
    assert setup.rc == 0, setup.stderr
    host = backend_addresses()[DB_HOST]
    answers = {}
    for ca in (CA_ON_HOST, "/root/h/other-ca.crt"):
        database = f"dbname='prosody' sslmode='verify-full' sslrootcert='{ca}'"
        answers[ca] = xmpp_host.run(f"lua5.4 /root/h/connect.lua {shlex.quote(database)} {host}").stdout.strip()
    assert answers[CA_ON_HOST] == "connected"
    assert answers["/root/h/other-ca.crt"].startswith("refused")


def test_site_run_from_the_inventory_without_db_servers_changes_nothing():
    report = run_playbook(SITE, inventory=EXTERNAL_INVENTORY)
    assert DB_HOST not in report["stats"]
    assert report["stats"][XMPP_HOST]["changed"] == 0


def test_wrong_ca_fails_with_the_tls_reason_and_changes_nothing_prosody_uses(xmpp_host):
    config_before = xmpp_host.file("/etc/prosody/prosody.cfg.lua").sha256sum
    # Only the prosody role's configuration step (where the login is checked), to keep the test short.
    report = run_playbook(SITE, "--tags", "prosody_configure", "-e", f"prosody_sql_ssl_ca_file={site_ca('other-ca.crt')}",
                          inventory=EXTERNAL_INVENTORY, succeed=False)
    failed = failures(report)
    assert [name for name, _result in failed] == [LOGIN_CHECK]
    assert "certificate verify failed" in failed[0][1]["msg"]
    assert xmpp_host.file(CA_ON_HOST).content_string == site_ca().read_text()
    assert xmpp_host.file("/etc/prosody/prosody.cfg.lua").sha256sum == config_before
    assert xmpp_host.service("prosody").is_running


def test_wrong_password_fails_with_postgresqls_reason(xmpp_host, db_password):
    wrong = ephemeral_dir() / "secrets" / "wrong_password.json"
    wrong.write_text(json.dumps({"prosody_sql_password": "not-the-password-of-prosody"}))
    wrong.chmod(0o600)
    report = run_playbook(SITE, "--limit", XMPP_HOST, "--tags", "prosody_configure", "-e", "prosody_storage=sql",
                          "-e", f"@{wrong}", succeed=False)
    failed = failures(report)
    assert [name for name, _result in failed] == [LOGIN_CHECK]
    assert 'password authentication failed for user "prosody"' in failed[0][1]["msg"]
    # Prosody keeps the password that works.
    assert xmpp_host.run(f"grep -qxF -- {db_password} /etc/prosody/secrets/sql-password").rc == 0
    assert xmpp_host.service("prosody").is_running
