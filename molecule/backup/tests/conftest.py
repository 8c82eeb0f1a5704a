"""Fixtures of the backup scenario: a Debian 12 XMPP host and a Debian 12 database host deployed
by site.yml, backed up by backup.yml, lost, restored by restore.yml (the XMPP host under a new
inventory name), and upgraded to Debian 13 by upgrade.yml."""
import json
import os
import pathlib
import subprocess
import time

import pytest
import yaml
from conftest_helpers import container_address, scenario_ca_file
from xmpp_client import Server

XMPP = "bk-xmpp.example.org"
DB = "bk-db.example.org"
STORE = "bk-store.example.org"
DOMAIN = "gamma.example.test"
PROJECT = os.environ["MOLECULE_PROJECT_DIRECTORY"]
EPHEMERAL = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
MOLECULE_INVENTORY = os.path.join(EPHEMERAL, "inventory")
# The XMPP host's inventory name on its new machine (inventory/host_vars/xmpp-vps2.yml: its
# ansible_host is the container, restore_from its old name), in the admin's inventory for the new
# machines (new_site_inventory()); the container keeps the name XMPP.
XMPP_NEW_NAME = "xmpp-vps2"


def server():
    """The XMPP host as clients reach it now (its address changes when it is made again)."""
    return Server(address=container_address(XMPP), domain=DOMAIN, ca_file=scenario_ca_file())


def new_site_inventory():
    """The admin's inventory for the new machines: Molecule's, with the XMPP host under its new
    name (same groups, same group_vars and host_vars directories). Returns its directory."""
    site = pathlib.Path(EPHEMERAL) / "new-site"
    site.mkdir(exist_ok=True)
    inventory = yaml.safe_load((pathlib.Path(MOLECULE_INVENTORY) / "ansible_inventory.yml").read_text())
    for group in inventory.values():
        hosts = (group or {}).get("hosts") or {}
        if XMPP in hosts:
            hosts[XMPP_NEW_NAME] = dict(hosts.pop(XMPP) or {})
    (site / "hosts.yml").write_text(yaml.safe_dump(inventory))
    for name in ("group_vars", "host_vars"):
        if not (site / name).exists():
            (site / name).symlink_to(os.path.realpath(os.path.join(MOLECULE_INVENTORY, name)))
    return str(site)


def playbook(path, extra_vars=None, inventories=(MOLECULE_INVENTORY,)):
    """Runs a playbook against the given inventories (this scenario's, or the new machines' and
    e.g. host variables of one run), as the admin would; returns (CompletedProcess, seconds).
    Output is kept for the assertions, not printed."""
    env = dict(os.environ, ANSIBLE_FORCE_COLOR="0", ANSIBLE_CONFIG=os.path.join(EPHEMERAL, "ansible.cfg"))
    args = ["ansible-playbook", path]
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
    """What the tests hand each other, in order across the modules (data made before, compared
    after; the inventories the admin uses now). Holds passwords: pytest shows only its keys when a
    test fails."""

    def __repr__(self):
        return f"State(keys={sorted(self)})"


@pytest.fixture(scope="session")
def state():
    return State(inventories=[MOLECULE_INVENTORY], xmpp_name=XMPP)
