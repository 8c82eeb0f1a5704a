"""Fixtures of the prosody scenario: per test host, its XMPP server, two fresh accounts and the
public base URL of its HTTP services, and the runner of the scenario's own playbooks."""
import json
import os
import subprocess

import pytest
from conftest_helpers import container_address, create_accounts, scenario_ca_file
from public_urls import Public
from xmpp_client import Server

DOMAINS = {"prosody-trixie": "trixie.example.test", "prosody-bookworm": "bookworm.example.test"}
SCENARIO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT = os.path.dirname(os.path.dirname(SCENARIO))


def run_scenario_playbook(playbook, limit, extra_vars, verbose=False, inventories=(), env=None):
    """Runs the scenario's playbook `playbook` (a file name beside molecule.yml) on `limit` (a
    host or group of the inventories), with the working tree's roles and `extra_vars` (dict);
    -v with `verbose` (task results shown). `inventories` (paths) are read after the scenario's
    own, and `env` (dict) is added to the environment. Returns the subprocess.CompletedProcess:
    its return code is the caller's to judge (some tests expect a failure)."""
    ephemeral = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
    env = {**os.environ, "ANSIBLE_ROLES_PATH": os.path.join(PROJECT, "roles"), "ANSIBLE_FORCE_COLOR": "0",
           "ANSIBLE_CONFIG": os.path.join(ephemeral, "ansible.cfg"), **(env or {})}
    argv = ["ansible-playbook"] + (["-v"] if verbose else [])
    for inventory in (os.path.join(ephemeral, "inventory"),) + tuple(inventories):
        argv += ["-i", inventory]
    argv += ["--limit", limit, os.path.join(SCENARIO, playbook), "-e", json.dumps(extra_vars)]
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300, check=False)


# The drop-in of the unit that sets Lua's pause (prosody_gc_pause, generational mode only).
GC_DROPIN = "/etc/systemd/system/prosody.service.d/xmpp-stack.gc.conf"


def prosody_pid(host):
    """The running Prosody's process ID on a testinfra host; fails when Prosody is not running."""
    pid = host.run("systemctl show -p MainPID --value prosody").stdout.strip()
    assert pid not in ("", "0"), "Prosody is not running on %s" % host.backend.get_hostname()
    return pid


def lua_pause(host):
    """Lua's pause in the running server: setpause answers the value it replaces, given back at once."""
    shell = host.run("""prosodyctl shell '> local p = collectgarbage("setpause", 200) collectgarbage("setpause", p) print("pause " .. p)'""")
    assert shell.rc == 0, shell.stdout + shell.stderr
    assert "pause " in shell.stdout, shell.stdout
    return int(shell.stdout.split("pause ", 1)[1].split()[0])


def server_of(name):
    """The XMPP server of a test host (by its container's name), as the controller reaches it."""
    return Server(address=container_address(name), domain=DOMAINS[name], ca_file=scenario_ca_file())


@pytest.fixture(scope="module")
def server(host):
    name = host.backend.get_hostname()
    domain = host.ansible.get_variables()["prosody_test_domain"]
    return Server(address=container_address(name), domain=domain, ca_file=scenario_ca_file())


@pytest.fixture(scope="module")
def accounts(host, server):
    return create_accounts(host.backend.get_hostname(), server.domain, ["alice", "bob"])


@pytest.fixture(scope="module")
def public(host, server):
    return Public.of(host.ansible.get_variables(), server.domain)
