"""Bad variables fail early, with a message that names them, and change nothing."""
import pytest
from conftest import run_scenario_playbook
from conftest_helpers import create_accounts

CASES = {
    "seed name that does not exist": ({"prosody_extra_modules": ["fast"]}, "sasl2_fast"),
    "prometheus module": ({"prosody_extra_modules": ["prometheus"]}, "http_openmetrics"),
    "unknown module": ({"prosody_extra_modules": ["no_such_module_xyz"]}, "no_such_module_xyz"),
    "conflicting modules": ({"prosody_extra_modules": ["pep_simple"]}, "pep_simple"),
    "provider in a module list": ({"prosody_extra_modules": ["auth_ldap"]}, "prosody_authentication"),
    "component module on a user host": ({"prosody_extra_modules": ["muc_mam"]}, "muc_mam"),
    "VirtualHost that is not a domain": (
        {"prosody_virtual_hosts": [{"name": "not a domain!"}]}, "not a domain!"),
    "SQL storage without a password": (
        {"prosody_storage": "sql", "prosody_sql_driver": "PostgreSQL", "prosody_sql_password": ""},
        "prosody_sql_password"),
    "SQLite3 file outside Prosody's data directory": (
        {"prosody_storage": "sql", "prosody_sql_driver": "SQLite3", "prosody_sql_database": "/srv/missing/x.sqlite"},
        "prosody_sql_database /srv/missing/x.sqlite (SQLite3) must be a file name in /var/lib/prosody"),
    "cache size below 1": ({"prosody_blocklist_cache_size": 0}, "prosody_blocklist_cache_size is 0"),
    # Both named in one refusal.
    "collector settings out of range": ({"prosody_gc_minor_threshold": 0, "prosody_gc_pause": 103},
                                        ("prosody_gc_minor_threshold is 0", "prosody_gc_pause is 103 (must be from 104")),
    "unknown allocator": ({"prosody_allocator": "tcmalloc"}, "tcmalloc"),
    "unknown TLS source": ({"prosody_tls_source": "acme"}, "acme"),
    "two services on one port": ({"prosody_https_ports": [5222]}, "Port 5222 is claimed by c2s and https"),
    "443 listed beside the multiplexer": (
        {"prosody_port_443": True, "prosody_c2s_direct_tls_ports": [443]},
        "Port 443 is claimed by c2s_direct_tls and multiplex_ssl (prosody_port_443)"),
    "public URL that is not https": (
        {"prosody_http_external_url": "http://chat.example.test/xmpp/"}, "http://chat.example.test/xmpp/"),
    "missing certificate": (
        {"prosody_tls_source": "files", "prosody_virtual_hosts": [{"name": "bad.example.test"}],
         "prosody_tls_files": [{"name": "bad.example.test", "cert": "/nonexistent/bad.crt",
                                "key": "/nonexistent/bad.key"}]}, "/nonexistent/bad.crt"),
}


def run_role(extra_vars):
    return run_scenario_playbook("bad_vars.yml", "prosody-trixie", extra_vars)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_variable_is_refused(case):
    extra_vars, named = CASES[case]
    result = run_role(extra_vars)
    # Ansible folds long messages over lines and prints the error on stderr: compare words.
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    # Refused by the preflight or, for a value outside its choices, by the argument spec.
    assert "preflight |" in output or "Validating arguments against arg spec" in output
    for name in (named,) if isinstance(named, str) else named:
        assert name in output
    recap = output[output.rindex("PLAY RECAP"):]
    assert "changed=0" in recap


def test_switch_to_sql_with_accounts_in_files_is_refused():
    # prosody-trixie keeps its accounts in internal storage: moving it to SQL without the
    # migration playbook would start Prosody on an empty database.
    create_accounts("prosody-trixie", "trixie.example.test", ["stays"])
    result = run_role({"prosody_storage": "sql", "prosody_sql_driver": "SQLite3",
                       "prosody_sql_database": "prosody.sqlite"})
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert "playbooks/migrate_to_sql.yml" in output and "internal storage" in output
    recap = output[output.rindex("PLAY RECAP"):]
    assert "changed=0" in recap


def test_port_prosody_cannot_bind_fails_the_play():
    """Prosody only logs a port it cannot open and runs on: the role fails, naming the port and
    Prosody's reason. Port 8089 is held by prepare.yml's archive server on 127.0.0.1."""
    result = run_role({"prosody_http_ports": [8089]})
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert "Fail on every port Prosody could not bind" in output
    assert "Failed to open server port 8089" in output
    assert "this port is in use by another application" in output
    # Back to the scenario's configuration: the same role run passes again.
    restored = run_role({})
    assert restored.returncode == 0, restored.stdout[-3000:]
