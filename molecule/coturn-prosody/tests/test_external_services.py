"""site.yml on services the site already runs outside the stack's groups: the TURN server
(test_calls.py: Prosody hands out its name and credentials that relay) and a Prometheus, played
by the controller, whose address the inventory gives in xmpp_stack_prometheus_external_addresses."""
import json
import subprocess
import urllib.error
import urllib.request

import pytest
from conftest_helpers import container_address, prosody_shell

XMPP_HOST = "coturn-prosody-xmpp"
TURN_HOST = "coturn-prosody-turn"
NETWORK = "xmpp-stack-coturn-prosody"

testinfra_hosts = [f"ansible://{XMPP_HOST}"]


def controller_address():
    """Where the test hosts see the controller's connections come from: the network's gateway."""
    out = subprocess.run(["docker", "network", "inspect", NETWORK], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)[0]["IPAM"]["Config"][0]["Gateway"]


def scrape(url):
    """GET as a scraper does; returns (status, body)."""
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_no_turn_or_monitoring_group(host):
    groups = host.ansible.get_variables()["groups"]
    assert groups.get("turn_servers", []) == [] and groups.get("monitoring_servers", []) == []
    assert TURN_HOST not in groups["xmpp_servers"]


def test_prosody_allows_the_external_prometheus_only():
    line = '> require"prosody.util.json".encode(require"prosody.core.configmanager".get("*", "openmetrics_allow_ips"))'
    result = [out for out in prosody_shell(XMPP_HOST, [line]).splitlines() if "| Result: " in out]
    assert len(result) == 1, "no answer from Prosody's shell"
    assert json.loads(result[0].split("| Result: ", 1)[1]) == ["127.0.0.1", "::1", controller_address()]


def test_external_prometheus_reads_prosody_metrics():
    status, body = scrape(f"http://{container_address(XMPP_HOST)}:5280/metrics")
    assert status == 200
    assert any(line.startswith("prosody_") for line in body.splitlines()), body[:500]


def test_an_address_not_listed_is_refused(host, turn_host):
    # The TURN host is on the same network, with an address the allow-list does not name: the
    # XMPP host's firewall (site.yml) refuses it before Prosody. Behind the firewall Prosody's own
    # allow-list refuses an address it does not name too: the XMPP host asking its own address
    # (not loopback) gets 403.
    url = f"http://{container_address(XMPP_HOST)}:5280/metrics"
    fetch = ("python3 -c 'import sys, urllib.request, urllib.error\n"
             "try:\n    print(urllib.request.urlopen(sys.argv[1], timeout=15).status)\n"
             "except urllib.error.HTTPError as e:\n    print(e.code)\n"
             "except urllib.error.URLError as e:\n    print(e.reason)' %s")
    assert turn_host.check_output(fetch, url) == "[Errno 113] No route to host"
    assert host.check_output(fetch, url) == "403"


@pytest.mark.parametrize("name", [XMPP_HOST, TURN_HOST])
def test_external_prometheus_reads_the_node_exporters(name):
    # site.yml installs the exporters with an empty monitoring group when a Prometheus outside
    # the inventory is named.
    status, body = scrape(f"http://{container_address(name)}:9100/metrics")
    assert status == 200
    assert any(line.startswith("node_uname_info") for line in body.splitlines())


def test_the_node_exporter_refuses_an_address_not_listed(turn_host):
    # The exporter's allow-list is the XMPP host's firewall (site.yml): the external Prometheus
    # reads it (above), the TURN host, not listed, is refused.
    url = f"http://{container_address(XMPP_HOST)}:9100/metrics"
    reason = turn_host.check_output(
        "python3 -c 'import sys, urllib.request, urllib.error\n"
        "try:\n    print(urllib.request.urlopen(sys.argv[1], timeout=15).status)\n"
        "except urllib.error.URLError as e:\n    print(e.reason)' %s", url)
    assert reason == "[Errno 113] No route to host"
