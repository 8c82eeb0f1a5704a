"""Bad variables fail early, with a message that names them, and change nothing."""
import json
import os
import pathlib

import pytest
import yaml
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


@pytest.fixture(scope="module")
def refusals(tmp_path_factory):
    """One run of bad_vars.yml for every case of CASES: each case is its own inventory name for
    the container prosody-trixie, with that host's scenario variables and the case's bad ones
    (set above the play's vars_files, bad_vars.yml), so one Ansible run refuses
    them all instead of one run each. Returns {case: {"task": the name of the task that failed,
    "msg": its message in one line, "changed": the case's changed count, "failures": its failed
    count}}, read from the JSON of the run (ansible.posix.json)."""
    scenario = yaml.safe_load(pathlib.Path(os.environ["MOLECULE_FILE"]).read_text(encoding="utf-8"))
    trixie = scenario["provisioner"]["inventory"]["host_vars"]["prosody-trixie"]
    # How Molecule's inventory reaches prosody-trixie (ansible_host, the connection and its options).
    molecule_inventory = yaml.safe_load(pathlib.Path(os.environ["MOLECULE_INVENTORY_FILE"]).read_text(encoding="utf-8"))
    reach = {name: value for name, value in molecule_inventory["all"]["hosts"]["prosody-trixie"].items()
             if name.startswith("ansible_")}
    assert reach.get("ansible_host") == "prosody-trixie", reach
    names = {case: "bad-case-%02d" % number for number, case in enumerate(sorted(CASES))}
    hosts = {names[case]: dict(trixie, **reach, prosody_test_bad_vars=CASES[case][0]) for case in CASES}
    inventory = tmp_path_factory.mktemp("bad-cases") / "bad_cases.yml"
    inventory.write_text(yaml.safe_dump({"bad_cases": {"hosts": hosts}}), encoding="utf-8")
    result = run_scenario_playbook("bad_vars.yml", "bad_cases", {}, inventories=(str(inventory),),
                                   env={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
                                        "ANSIBLE_FORKS": str(len(hosts))})
    assert result.returncode != 0, result.stdout[-3000:]
    run = json.loads(result.stdout)
    found = {}
    for case, name in names.items():
        failed = [(task["task"]["name"], task["hosts"][name]) for play in run["plays"] for task in play["tasks"]
                  if task["hosts"].get(name, {}).get("failed")]
        assert failed, "case %r (%s) failed no task" % (case, name)
        task, outcome = failed[0]
        stats = run["stats"][name]
        found[case] = {"task": task, "msg": " ".join(str(outcome.get("msg", "")).split()),
                       "changed": stats["changed"], "failures": stats["failures"]}
    return found


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_variable_is_refused(refusals, case):
    named = CASES[case][1]
    refusal = refusals[case]
    # Refused by the preflight or, for a value outside its choices, by the argument spec.
    assert "preflight |" in refusal["task"] or "Validating arguments against arg spec" in refusal["task"], refusal
    for name in (named,) if isinstance(named, str) else named:
        assert name in refusal["msg"], refusal
    assert refusal["failures"] == 1 and refusal["changed"] == 0, refusal


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
