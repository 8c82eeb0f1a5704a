"""The monitoring host watches the whole split deployment as site.yml wired it: every target from
the inventory groups is up, the PostgreSQL exporter logs in, Prosody's health endpoint and failed
login counter (modules shipped with the prosody role) are live."""
import time
import urllib.error
import urllib.request

import pytest
import testinfra
from conftest import CA_FILE, EXPECTED_TARGETS, credential, prometheus_api, target_health
from conftest_helpers import container_address, wait_for
from xmpp_client import LoginFailed, Server, https_request, login

# Scrapes every 30 s (the role's default), so a new series may take a little over that to appear.
WAIT = 100


def query(promql):
    return prometheus_api("query", credential("prometheus-web"), query=promql)["result"]


def test_api_needs_the_generated_password():
    with pytest.raises(urllib.error.HTTPError) as refused:
        prometheus_api("targets")
    assert refused.value.code == 401
    with pytest.raises(urllib.error.HTTPError) as wrong:
        prometheus_api("targets", "not-the-password")
    assert wrong.value.code == 401


def test_every_target_from_the_inventory_groups_is_up():
    def targets():
        return {target: health for target, (health, _last_scrape) in target_health().items()}
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
    # The controller is not a monitoring host: the firewall refuses it (test_firewall.py). Behind
    # the firewall Prosody's own allow-list refuses it too: xmpp1 asking its own address (not
    # loopback; the inventory allows mon1's address, a documentation address and loopback,
    # inventory/group_vars/xmpp_servers.yml) gets 403.
    address = container_address('xmpp1.example.org')
    with pytest.raises(urllib.error.URLError) as refused:
        urllib.request.urlopen(f"http://{address}:5280/metrics", timeout=30)
    assert not isinstance(refused.value, urllib.error.HTTPError)
    script = ("import urllib.error, urllib.request\n"
              "try:\n"
              f"    urllib.request.urlopen('http://{address}:5280/metrics', timeout=30)\n"
              "except urllib.error.HTTPError as e:\n"
              "    print(e.code)\n")
    assert testinfra.get_host("docker://xmpp1.example.org").check_output("python3 -c %s", script) == "403"
