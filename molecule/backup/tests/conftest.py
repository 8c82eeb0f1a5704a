"""Fixtures of the backup scenario: a Debian 12 XMPP host and a database host deployed by
site.yml, backed up by backup.yml to the backup server, lost, and restored by restore.yml."""
import json
import os
import subprocess
import time

import pytest
from conftest_helpers import container_address, scenario_ca_file
from xmpp_client import Server

XMPP = "bk-xmpp.example.org"
DB = "bk-db.example.org"
STORE = "bk-store.example.org"
DOMAIN = "gamma.example.test"
PROJECT = os.environ["MOLECULE_PROJECT_DIRECTORY"]
EPHEMERAL = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]


def server():
    """The XMPP host as clients reach it now (its address changes when it is made again)."""
    return Server(address=container_address(XMPP), domain=DOMAIN, ca_file=scenario_ca_file())


def playbook(path, extra_vars=None, inventories=()):
    """Runs a playbook against this scenario's inventory (and the further inventory files given,
    e.g. host variables of one run), as the admin would; returns (CompletedProcess, seconds).
    Output is kept for the assertions, not printed."""
    env = dict(os.environ, ANSIBLE_FORCE_COLOR="0", ANSIBLE_CONFIG=os.path.join(EPHEMERAL, "ansible.cfg"))
    args = ["ansible-playbook", "-i", os.path.join(EPHEMERAL, "inventory"), path]
    for inventory in inventories:
        args += ["-i", str(inventory)]
    if extra_vars:
        args += ["-e", json.dumps(extra_vars)]
    started = time.monotonic()
    result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=1800, check=False)
    return result, time.monotonic() - started


def on_host(host, *argv, check=True):
    return subprocess.run(["docker", "exec", host, *argv], capture_output=True, text=True,
                          check=check, timeout=300)


class State(dict):
    """What the tests of one module hand each other (data made before, compared after). Holds
    passwords: pytest shows only its keys when a test fails."""

    def __repr__(self):
        return f"State(keys={sorted(self)})"


@pytest.fixture(scope="module")
def state():
    return State()
