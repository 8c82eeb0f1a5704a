"""Fixtures of the stack scenario: the split inventory's hosts deployed by site.yml alone.

Everything is reached the way an admin's clients reach it: XMPP on the domains' names (by the
hosts' addresses), Prometheus through its API with the generated password, PostgreSQL as the
database host's own admin; site.yml is run again the way an admin runs it (run_site)."""
import base64
import json
import os
import pathlib
import re
import subprocess
import urllib.parse
import urllib.request

import pytest
from conftest_helpers import container_address, controller_secret, create_accounts
from xmpp_client import Server

DEMO_HOME = pathlib.Path.home() / ".local" / "share" / "xmpp-stack"
CA_FILE = str(DEMO_HOME / "demo-ca" / "ca.crt")
CREDENTIALS = DEMO_HOME / "demo-credentials"
DOMAINS = {"xmpp1.example.org": "alpha.example.test", "xmpp2.example.net": "beta.example.test"}
HOSTS = ["xmpp1.example.org", "xmpp2.example.net", "db1.example.org", "turn1.example.org",
         "mon1.example.org"]
# Prometheus' targets, (job, instance), as site.yml makes them from the inventory groups.
EXPECTED_TARGETS = (
    {("node", host) for host in HOSTS}
    | {("postgres", "db1.example.org"), ("turn", "turn1.example.org")}
    | {(job, host) for job in ("prosody", "prosody_health", "prosody_c2s")
       for host in ("xmpp1.example.org", "xmpp2.example.net")})


def credential(name):
    """A shared secret site.yml generated on the controller (file per secret)."""
    return controller_secret(CREDENTIALS / name)


@pytest.fixture(scope="session")
def servers():
    return {host: Server(address=container_address(host), domain=domain, ca_file=CA_FILE)
            for host, domain in DOMAINS.items()}


@pytest.fixture(scope="session")
def accounts():
    """alice on the first domain, bob on the second (fresh passwords each run)."""
    return {"alice": create_accounts("xmpp1.example.org", DOMAINS["xmpp1.example.org"], ["alice"])["alice"],
            "bob": create_accounts("xmpp2.example.net", DOMAINS["xmpp2.example.net"], ["bob"])["bob"]}


def run_site(*args, inventories=(), inventory_dir=None):
    """site.yml against the scenario's inventory (or inventory_dir instead), and any further
    inventory sources, as an admin runs it from a checkout; returns the CompletedProcess."""
    ephemeral = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
    env = dict(os.environ, ANSIBLE_FORCE_COLOR="0", ANSIBLE_CONFIG=os.path.join(ephemeral, "ansible.cfg"))
    sources = [arg for inventory in (inventory_dir or os.path.join(ephemeral, "inventory"), *inventories)
               for arg in ("-i", str(inventory))]
    return subprocess.run(
        ["ansible-playbook", *sources,
         os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "playbooks", "site.yml"), *args],
        capture_output=True, text=True, env=env, timeout=900, check=False)


def recap(output):
    """{host: {counter: number}} from the PLAY RECAP of a run."""
    text = output[output.rindex("PLAY RECAP"):]
    return {host: {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", counters)}
            for host, counters in re.findall(r"^(\S+)\s+:\s+(.*)$", text, re.MULTILINE)}


def prometheus_api(path, password=None, **params):
    """Prometheus' HTTP API on the monitoring host (basic auth when a password is given)."""
    url = f"http://{container_address('mon1.example.org')}:9090/api/v1/{path}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    request = urllib.request.Request(url)
    if password is not None:
        token = base64.b64encode(f"admin:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["data"]


def target_health():
    """{(job, instance): (health, time of the last scrape)} of Prometheus' active targets."""
    return {(t["labels"]["job"], t["labels"]["instance"]): (t["health"], t["lastScrape"])
            for t in prometheus_api("targets", credential("prometheus-web"), state="active")["activeTargets"]}
