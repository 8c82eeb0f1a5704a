"""The monitoring host watches the whole split deployment as site.yml wired it: every target from
the inventory groups is up, the PostgreSQL exporter logs in, Prosody's health endpoint and failed
login counter (modules shipped with the prosody role) are live."""
import base64
import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from conftest import CA_FILE, credential
from conftest_helpers import container_address, wait_for
from xmpp_client import LoginFailed, Server, https_request, login

HOSTS = ["xmpp1.example.org", "xmpp2.example.net", "db1.example.org", "turn1.example.org",
         "mon1.example.org"]
EXPECTED_TARGETS = (
    {("node", host) for host in HOSTS}
    | {("postgres", "db1.example.org"), ("turn", "turn1.example.org")}
    | {(job, host) for job in ("prosody", "prosody_health", "prosody_c2s")
       for host in ("xmpp1.example.org", "xmpp2.example.net")})
# Scrapes every 30 s (the role's default), so a new series may take a little over that to appear.
WAIT = 100


def api(path, password=None, **params):
    url = f"http://{container_address('mon1.example.org')}:9090/api/v1/{path}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    request = urllib.request.Request(url)
    if password is not None:
        token = base64.b64encode(f"admin:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["data"]


def query(promql):
    return api("query", credential("prometheus-web"), query=promql)["result"]


def test_api_needs_the_generated_password():
    with pytest.raises(urllib.error.HTTPError) as refused:
        api("targets")
    assert refused.value.code == 401
    with pytest.raises(urllib.error.HTTPError) as wrong:
        api("targets", "not-the-password")
    assert wrong.value.code == 401


def test_every_target_from_the_inventory_groups_is_up():
    def targets():
        return {(t["labels"]["job"], t["labels"]["instance"]): t["health"]
                for t in api("targets", credential("prometheus-web"), state="active")["activeTargets"]}
    assert set(targets()) == EXPECTED_TARGETS

    def all_up():
        seen = targets()
        return seen if set(seen.values()) == {"up"} else None
    assert wait_for(all_up, timeout=WAIT), targets()


def test_postgres_exporter_reaches_the_database():
    assert wait_for(lambda: [r for r in query('pg_up{job="postgres"}') if r["value"][1] == "1"], timeout=WAIT)


def test_health_probe_checks_each_domain_over_https():
    for host in ("xmpp1.example.org", "xmpp2.example.net"):
        assert wait_for(lambda: [r for r in query(f'probe_success{{job="prosody_health",instance="{host}"}}')
                                 if r["value"][1] == "1"], timeout=WAIT), host
    # Through the lab CA that site.yml gave the probe: it read the certificate's expiry.
    expiry = query('min(probe_ssl_earliest_cert_expiry{job="prosody_health"})')
    assert float(expiry[0]["value"][1]) > time.time() + 14 * 86400


def test_health_endpoint_answers_ok():
    server = Server(address=container_address("xmpp2.example.net"), domain="beta.example.test",
                    ca_file=CA_FILE)
    status, headers, body, _tls = https_request(server, "https://beta.example.test:5281/health")
    assert (status, body) == (200, b"OK\n")
    assert headers["cache-control"] == "no-store"


def test_failed_logins_are_counted(servers, accounts):
    jid = accounts["alice"][0]
    with pytest.raises(LoginFailed):
        login(servers["xmpp1.example.org"], jid, "not-alices-password")
    counted = wait_for(lambda: [r for r in query(
        'sum by (instance) (prosody_mod_measure_auth_failures__failed_total{job="prosody"})')
        if r["metric"]["instance"] == "xmpp1.example.org" and float(r["value"][1]) >= 1], timeout=WAIT)
    assert counted


def test_prosody_metrics_are_refused_to_everyone_but_prometheus():
    # The controller is not a monitoring host: site.yml allows only mon1's address (and loopback).
    url = f"http://{container_address('xmpp1.example.org')}:5280/metrics"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=30)
    assert refused.value.code == 403
