"""Fixtures of the postgres-prosody scenario: the XMPP server, the test accounts, playbook runs."""
import json
import os
import pathlib
import secrets
import shlex
import subprocess

import pytest
import testinfra
from conftest_helpers import container_address, controller_secret, scenario_ca_file
from xmpp_client import Server

PROJECT = pathlib.Path(__file__).resolve().parents[3]
SCENARIO = pathlib.Path(__file__).resolve().parents[1]
XMPP_HOST = "postgres-prosody-xmpp"
DB_HOST = "postgres-prosody-db"
DOMAIN = "example.test"
ROOM = f"lounge@conference.{DOMAIN}"
# The inventory of a site whose database runs outside it (no db_servers group).
EXTERNAL_INVENTORY = SCENARIO / "external" / "hosts.yml"
FRONT_NETWORK = "xmpp-stack-postgres-prosody"


def ephemeral_dir():
    path = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY")
    assert path, "run the tests through molecule verify (MOLECULE_EPHEMERAL_DIRECTORY unset)"
    return pathlib.Path(path)


def backend_addresses():
    """Each host's address on the backend network, as create.yml wrote them for the inventory."""
    return json.loads((ephemeral_dir() / "backend.json").read_text())


def run_playbook(playbook, *args, inventory=None, succeed=True):
    """Runs a playbook against the scenario's hosts (the scenario's inventory unless another is
    given) with the JSON callback; returns its report (with the run's return code under "rc").
    succeed=False expects the run to fail."""
    env = dict(os.environ)
    env.update({
        "ANSIBLE_CONFIG": str(PROJECT / "ansible.cfg"),
        "ANSIBLE_COLLECTIONS_PATH": f"{PROJECT}/.cache/collections:{PROJECT}/.venv/lib/python3.11/site-packages",
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
    })
    inventory = inventory or os.environ.get("MOLECULE_INVENTORY_FILE")
    assert inventory, "run the tests through molecule verify (MOLECULE_INVENTORY_FILE unset)"
    done = subprocess.run(["ansible-playbook", "-i", str(inventory), str(playbook), *args], cwd=PROJECT,
                          env=env, capture_output=True, text=True, timeout=900, check=False)
    assert (done.returncode == 0) == succeed, done.stdout[-4000:] + done.stderr[-2000:]
    report = json.loads(done.stdout)
    report["rc"] = done.returncode
    return report


def failures(report, host=XMPP_HOST):
    """The failed task results of one host in a JSON-callback report, as (task name, result)."""
    return [(task["task"]["name"], task["hosts"][host]) for play in report["plays"] for task in play["tasks"]
            if host in task["hosts"] and task["hosts"][host].get("failed")]


def task_results(report, task_name, host=XMPP_HOST):
    """The results of every run of one task on one host in a JSON-callback report."""
    return [task["hosts"][host] for play in report["plays"] for task in play["tasks"]
            if task["task"]["name"] == task_name and host in task["hosts"]]


def admin_sql(host, sql):
    """SQL as the postgres superuser on the database host (local socket, peer)."""
    result = host.run(f"runuser -u postgres -- psql -X -tA -d prosody -c {shlex.quote(sql)}")
    assert result.rc == 0, result.stderr
    return result.stdout.strip()


def _testinfra_host(name):
    inventory = os.environ.get("MOLECULE_INVENTORY_FILE")
    assert inventory, "run the tests through molecule verify (MOLECULE_INVENTORY_FILE unset)"
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={inventory}")


# Plain session fixtures rather than testinfra's parametrized `host`: pytest would reorder tests
# around a parametrized fixture, and these steps must run in the order they are written.
@pytest.fixture(scope="session")
def xmpp_host():
    return _testinfra_host(XMPP_HOST)


@pytest.fixture(scope="session")
def db_host():
    return _testinfra_host(DB_HOST)


@pytest.fixture(scope="session")
def server():
    return Server(address=container_address(XMPP_HOST, FRONT_NETWORK), domain=DOMAIN, ca_file=scenario_ca_file())


@pytest.fixture(scope="session")
def accounts():
    """alice and bob with fresh passwords, in a vars file only the controller's user reads."""
    users = {name: (f"{name}@{DOMAIN}", secrets.token_urlsafe(18)) for name in ("alice", "bob")}
    path = ephemeral_dir() / "secrets" / "xmpp_users.json"
    path.parent.mkdir(mode=0o700, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps({"xmpp_users": [{"jid": jid, "password": pw} for jid, pw in users.values()]}))
    return users, path


@pytest.fixture(scope="session")
def db_password():
    return controller_secret("secrets/db")
