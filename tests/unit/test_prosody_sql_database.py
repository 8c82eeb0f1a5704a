"""How the prosody role hands PostgreSQL's TLS settings to Prosody (plugins/filter/prosody_config.py).

Prosody passes LuaDBI only a database name; libpq reads a name containing '=' as a connection
string. The molecule scenario postgres-prosody proves on real hosts that libpq honours it
(verify-full with the site's CA works, a wrong CA is refused); these tests state the value."""

from test_prosody_config_filter import DEFAULTS, ROLE_VARS, TABLES

from ansible_collections.xmpp.stack.plugins.filter import prosody_config as pc


def sql_of(**overrides):
    values = {name: DEFAULTS[name] for name in ROLE_VARS["__prosody_model_inputs"]}
    values.update(prosody_virtual_hosts=[{"name": "example.test"}], prosody_storage="sql")
    values.update(overrides)
    return pc.prosody_config(values, TABLES)["config"]["global"]["sql"]


def test_default_keeps_the_plain_name():
    assert DEFAULTS["prosody_sql_ssl_mode"] == "prefer"
    assert pc.prosody_sql_database("prosody") == "prosody"
    assert sql_of()["database"] == "prosody"


def test_verify_full_with_the_site_ca_is_a_connection_string():
    sql = sql_of(prosody_sql_ssl_mode="verify-full", prosody_sql_ssl_ca_file="/controller/site-ca.pem")
    # The CA is read on the Prosody host, where the role copies it, not at the controller's path.
    assert sql["database"] == ("dbname='prosody' sslmode='verify-full' sslrootcert='%s'"
                               % ROLE_VARS["__prosody_sql_ca_file"])
    assert sql["host"] == "localhost" and sql["username"] == "prosody"


def test_a_mode_without_ca_and_quoting():
    assert pc.prosody_sql_database("prosody", "require") == "dbname='prosody' sslmode='require'"
    assert (pc.prosody_sql_database("it's", "verify-ca", "/etc/a b\\c")
            == "dbname='it\\'s' sslmode='verify-ca' sslrootcert='/etc/a b\\\\c'")


def test_sqlite_ignores_the_tls_settings():
    sql = sql_of(prosody_sql_driver="SQLite3", prosody_sql_ssl_mode="verify-full",
                 prosody_sql_ssl_ca_file="/controller/site-ca.pem")
    assert sql == {"driver": "SQLite3", "database": "prosody"}


def test_the_filter_is_registered():
    assert pc.FilterModule().filters()["prosody_sql_database"] is pc.prosody_sql_database
