"""The Prometheus host watches the whole stack, through its real API, with real XMPP clients."""
import asyncio
import base64
import json
import os
import pathlib
import subprocess
import time
import urllib.parse
import uuid

import pytest
import testinfra

import xmpp_client
from conftest_helpers import assert_not_in_step_logs, wait_for

testinfra_hosts = ["ansible://prometheus-mon"]

EPHEMERAL = pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
CA_FILE = str(EPHEMERAL / "pki" / "ca.crt")
DOMAIN = "chat.prometheus.test"
EXPECTED_TARGETS = {
    ("node", "prometheus-mon"), ("node", "prometheus-xmpp"), ("node", "prometheus-db"),
    ("postgres", "prometheus-db"), ("prosody", "prometheus-xmpp"),
    ("prosody_health", "prometheus-xmpp"), ("prosody_c2s", "prometheus-xmpp"),
}
ALERTS = {"ProsodyDown", "ProsodyNotAcceptingC2S", "ProsodyHealthFailing", "CertificateExpiringSoon",
          "PostgresDown", "TurnDown", "HostDown", "DiskAlmostFull", "MemoryHigh",
          "ProsodyManyFailedLogins", "BackupTooOld", "BackupNeverSucceeded"}


def other_host(name):
    return testinfra.get_host(f"ansible://{name}",
                              ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])


def ipv4_of(host):
    return next(a for a in host.interface("eth0").addresses if ":" not in a)


@pytest.fixture(scope="module")
def password():
    return (EPHEMERAL / "web-password").read_text().strip()


@pytest.fixture(scope="module")
def prometheus(host):
    # The controller reaches the host by address but checks the certificate of its name.
    return xmpp_client.Server(address=ipv4_of(host), domain="prometheus-mon", ca_file=CA_FILE)


@pytest.fixture(scope="module")
def xmpp():
    return xmpp_client.Server(address=ipv4_of(other_host("prometheus-xmpp")), domain=DOMAIN,
                              ca_file=CA_FILE)


def api(prometheus, path, password, **params):
    url = f"https://prometheus-mon:9090/api/v1/{path}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    token = base64.b64encode(f"admin:{password}".encode()).decode()
    status, _unused, body, _unused = xmpp_client.https_request(
        prometheus, url, headers={"Authorization": f"Basic {token}"})
    assert status == 200, body
    return json.loads(body)["data"]


def query(prometheus, password, promql):
    """Value of a single-series instant query, or None when it has no series."""
    result = api(prometheus, "query", password, query=promql)["result"]
    assert len(result) <= 1, result
    return float(result[0]["value"][1]) if result else None


def test_api_refuses_requests_without_credentials(prometheus):
    status, headers, _unused, tls = xmpp_client.https_request(
        prometheus, "https://prometheus-mon:9090/api/v1/targets")
    assert status == 401
    assert headers["www-authenticate"].startswith("Basic")
    assert tls in ("TLSv1.2", "TLSv1.3")


def test_api_refuses_a_wrong_password(prometheus):
    token = base64.b64encode(b"admin:not-the-password").decode()
    status = xmpp_client.https_request(prometheus, "https://prometheus-mon:9090/api/v1/targets",
                                       headers={"Authorization": f"Basic {token}"})[0]
    assert status == 401


def test_every_expected_target_is_listed_and_up(prometheus, password):
    def targets():
        return {(t["labels"]["job"], t["labels"]["instance"]): t["health"]
                for t in api(prometheus, "targets", password, state="active")["activeTargets"]}
    assert set(targets()) == EXPECTED_TARGETS

    def all_up():
        seen = targets()
        return seen if set(seen.values()) == {"up"} else None
    current = wait_for(all_up)
    assert current, targets()


def test_probes_succeed_and_see_the_certificate(prometheus, password):
    for job in ("prosody_health", "prosody_c2s"):
        assert wait_for(lambda: query(prometheus, password, f'probe_success{{job="{job}"}}') == 1), job
    # The health probe went over HTTPS to the XMPP domain and verified its certificate.
    expiry = query(prometheus, password, 'probe_ssl_earliest_cert_expiry{job="prosody_health"}')
    assert expiry > time.time() + 14 * 86400


def test_postgres_is_watched_through_the_exporter(prometheus, password):
    assert wait_for(lambda: query(prometheus, password, 'pg_up{job="postgres"}') == 1)


def test_alert_rules_are_loaded(prometheus, password):
    groups = api(prometheus, "rules", password, type="alert")["groups"]
    assert {rule["name"] for group in groups for rule in group["rules"]} == ALERTS


def test_retention_comes_from_the_variable(prometheus, password):
    assert api(prometheus, "status/flags", password)["storage.tsdb.retention.time"] == "2d"


def test_rule_unit_tests_pass_on_the_host(host):
    result = host.run("cd /etc/prometheus/rules/tests && promtool test rules xmpp-stack.tests.yml")
    assert result.rc == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def http_status_from(host, url):
    """Status of a GET from inside a test host (its own address, as Prosody sees it)."""
    fetch = ("python3 -c \"import urllib.request, urllib.error\n"
             f"try: print(urllib.request.urlopen('{url}').status)\n"
             "except urllib.error.HTTPError as e: print(e.code)\"")
    return host.run(fetch).stdout.strip()


def test_prosody_metrics_are_open_to_prometheus_only(host):
    url = "http://prometheus-xmpp:5280/metrics"
    assert http_status_from(host, url) == "200"
    assert http_status_from(other_host("prometheus-db"), url) == "403"


def test_health_endpoint_answers_anyone(xmpp):
    # Load balancers are not Prometheus hosts: the health check must answer them too.
    status, headers, body, _unused = xmpp_client.https_request(xmpp, f"https://{DOMAIN}:5281/health")
    assert (status, body) == (200, b"OK\n")
    assert headers["cache-control"] == "no-store"


def test_password_is_only_stored_as_a_bcrypt_hash(host, password):
    web = host.file("/etc/prometheus/web.yml")
    assert web.mode == 0o640
    assert "$2b$" in web.content_string
    assert host.run(f"grep -rqF -- '{password}' /etc /var/lib/prometheus").rc == 1


def test_password_is_in_no_output_of_the_runs(password):
    assert_not_in_step_logs(password, "Write the web configuration (basic auth, TLS)")


def c2s_sessions(prometheus, password):
    value = query(prometheus, password, 'sum(prosody_mod_c2s__connections{job="prosody", type="c2s"})')
    return value or 0.0


def test_c2s_metric_follows_a_client_login(prometheus, password, xmpp):
    user, secret = "metricsprobe", uuid.uuid4().hex
    node = other_host("prometheus-xmpp")
    node.run_test(f"prosodyctl register {user} {DOMAIN} {secret}")
    assert wait_for(lambda: c2s_sessions(prometheus, password) == 0)

    async def logged_in():
        async with xmpp_client.session(xmpp, f"{user}@{DOMAIN}", secret, presence=True):
            # Held open while Prometheus scrapes again.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if await asyncio.to_thread(c2s_sessions, prometheus, password) >= 1:
                    return True
                await asyncio.sleep(2)
            return False

    assert asyncio.run(logged_in())
    assert wait_for(lambda: c2s_sessions(prometheus, password) == 0)


def test_failed_logins_are_counted(prometheus, password, xmpp):
    def failures():
        return query(prometheus, password,
                     'sum(prosody_mod_measure_auth_failures__failed_total{job="prosody"})') or 0.0
    before = failures()
    with pytest.raises(xmpp_client.LoginFailed):
        xmpp_client.login(xmpp, f"metricsprobe@{DOMAIN}", "wrong password")
    assert wait_for(lambda: failures() > before)


def test_stopping_prosody_raises_the_prosody_down_alert(prometheus, password):
    node = other_host("prometheus-xmpp")

    def prosody_down_state():
        alerts = api(prometheus, "alerts", password)["alerts"]
        return next((a["state"] for a in alerts if a["labels"]["alertname"] == "ProsodyDown"), None)

    assert prosody_down_state() is None
    node.run_test("systemctl stop prosody")
    try:
        assert wait_for(lambda: prosody_down_state() in ("pending", "firing")), "no ProsodyDown alert"
    finally:
        node.run_test("systemctl start prosody")
    assert wait_for(lambda: prosody_down_state() is None)


def test_bad_input_stops_the_role_before_any_change():
    playbook = pathlib.Path(__file__).parent.parent / "files" / "bad_input.yml"
    run = subprocess.run(
        ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], str(playbook)],
        capture_output=True, text=True, check=False, timeout=300,
        cwd=os.environ["MOLECULE_PROJECT_DIRECTORY"])
    assert run.returncode != 0
    # Failures go to stderr, wrapped by the YAML callback: compare with line breaks folded.
    output = " ".join((run.stdout + run.stderr).split())
    assert "prometheus_retention_time 'two weeks' is not a Prometheus duration" in output
    assert "changed=0" in output
