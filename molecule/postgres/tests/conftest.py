"""Shared helpers of the postgres scenario's tests: generated passwords and psql runs."""

import os
import pathlib
import shlex
import subprocess

import pytest
from conftest_helpers import controller_secret

PROJECT = pathlib.Path(__file__).resolve().parents[3]
DATABASE = "prosody"
ROLE = "prosody"


def generated_password(db_host_name):
    """The password the role generated on the controller for one database host (converge.yml
    keeps them in Molecule's per-scenario directory)."""
    return controller_secret(f"credentials/{db_host_name}-postgres-{ROLE}")


@pytest.fixture(scope="session")
def db_password():
    return generated_password("postgres-db")


@pytest.fixture(scope="session")
def app_password():
    return generated_password("postgres-app")


def psql(host, conninfo, sql, password=None):
    """Runs one statement with psql on a test host; returns testinfra's command result."""
    env = f"PGPASSWORD={shlex.quote(password)} " if password else ""
    # PGCONNECT_TIMEOUT: a refused or filtered connection fails fast instead of hanging the test.
    return host.run(
        f"{env}PGCONNECT_TIMEOUT=5 psql -w -X -tA {shlex.quote(conninfo)} -c {shlex.quote(sql)}"
    )


def admin_sql(host, sql, database="postgres"):
    """Runs SQL as the postgres superuser over the local socket (peer authentication)."""
    result = host.run(
        f"runuser -u postgres -- psql -X -tA -d {shlex.quote(database)} -c {shlex.quote(sql)}"
    )
    assert result.rc == 0, result.stderr
    return result.stdout.strip()


def ansible_playbook(*args):
    """Runs ansible-playbook from the controller against this scenario's hosts."""
    env = dict(os.environ)
    env["ANSIBLE_CONFIG"] = str(PROJECT / "ansible.cfg")
    env["ANSIBLE_COLLECTIONS_PATH"] = (
        f"{PROJECT}/.cache/collections:{PROJECT}/.venv/lib/python3.11/site-packages"
    )
    env["ANSIBLE_FORCE_COLOR"] = "0"
    # Results as one JSON line each: messages stay unwrapped for the tests to search.
    env["ANSIBLE_CALLBACK_RESULT_FORMAT"] = "json"
    inventory = os.environ.get("MOLECULE_INVENTORY_FILE")
    assert inventory, "run the tests through molecule verify (MOLECULE_INVENTORY_FILE unset)"
    return subprocess.run(
        ["ansible-playbook", "-i", inventory, *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
