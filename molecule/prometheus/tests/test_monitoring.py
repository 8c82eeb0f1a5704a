"""The Prometheus host watches the whole stack, through its real API, with real XMPP clients."""
import asyncio
import base64
import email
import email.policy
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
from conftest_helpers import assert_not_in_step_logs, controller_secret, host_address, wait_for

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
          "ProsodyManyFailedLogins", "BackupTooOld", "BackupNeverSucceeded",
          "SecurityUpdatesPending", "AptListsStale"}
# What the test webhook receiver (files/webhook_recorder.py) got from Alertmanager, one JSON line
# per notification; converge.yml points every alert at /every-alert, critical ones at /critical too.
RECEIVED = "/var/lib/webhook-recorder/received.jsonl"
# What the test mail server (files/smtp_recorder.py) accepted, one JSON line per message; critical
# alerts also go to this address.
MAILED = "/var/lib/smtp-recorder/received.jsonl"
ONCALL = "oncall@prometheus.test"


def other_host(name):
    return testinfra.get_host(f"ansible://{name}",
                              ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])


@pytest.fixture(scope="module")
def password():
    return controller_secret("web-password")


@pytest.fixture(scope="module")
def prometheus(host):
    # The controller reaches the host by address but checks the certificate of its name.
    return xmpp_client.Server(address=host_address(host), domain="prometheus-mon", ca_file=CA_FILE)


@pytest.fixture(scope="module")
def xmpp():
    return xmpp_client.Server(address=host_address(other_host("prometheus-xmpp")), domain=DOMAIN,
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
    files = ["xmpp-stack.tests.yml", "xmpp-stack-backup.tests.yml", "xmpp-stack-updates.tests.yml"]
    result = host.run(f"cd /etc/prometheus/rules/shipped/tests && promtool test rules {' '.join(files)}")
    assert result.rc == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(files)


def test_alert_durations_come_from_the_variable(prometheus, password):
    groups = api(prometheus, "rules", password, type="alert")["groups"]
    duration = {rule["name"]: rule["duration"] for group in groups for rule in group["rules"]}
    # prometheus_alert_for of converge.yml, and the shipped durations of the others.
    assert (duration["ProsodyDown"], duration["SecurityUpdatesPending"]) == (5, 5)
    assert (duration["HostDown"], duration["AptListsStale"]) == (120, 3600)


def test_alertmanager_listens_on_loopback_only(host):
    assert host.service("prometheus-alertmanager").is_running
    assert host.service("prometheus-alertmanager").is_enabled
    assert host.socket("tcp://127.0.0.1:9093").is_listening
    assert not host.socket("tcp://0.0.0.0:9093").is_listening
    assert not host.socket("tcp://:::9093").is_listening
    # The cluster (gossip) port is off.
    assert not host.socket("tcp://0.0.0.0:9094").is_listening
    assert not host.socket("tcp://:::9094").is_listening
    assert not host.socket("udp://0.0.0.0:9094").is_listening
    assert not host.socket("udp://:::9094").is_listening


def test_prometheus_sends_its_alerts_to_alertmanager(prometheus, password):
    active = api(prometheus, "alertmanagers", password)["activeAlertmanagers"]
    assert [a["url"] for a in active] == ["http://127.0.0.1:9093/api/v2/alerts"]


def mails(host, since=0.0):
    """(login, sender, recipients, subject) of each message the test mail server accepted."""
    record_file = host.file(MAILED)
    if not record_file.exists:
        return []
    found = []
    for line in record_file.content_string.splitlines():
        record = json.loads(line)
        if record["received"] >= since:
            message = email.message_from_string(record["message"], policy=email.policy.default)
            found.append((record["login"], record["mail_from"], tuple(record["rcpt_tos"]),
                          str(message["subject"])))
    return found


def test_smtp_password_is_in_no_output_and_no_readable_file(host):
    secret = controller_secret("smtp-password")
    assert_not_in_step_logs(secret, "Write the settings of this host's components, each checked before it is used")
    config = host.file("/etc/prometheus/alertmanager.yml")
    assert (config.mode, config.user, config.group) == (0o640, "root", "prometheus")


def test_amtool_checks_the_configuration(host):
    result = host.run("amtool check-config /etc/prometheus/alertmanager.yml")
    assert result.rc == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
    assert " - 2 receivers" in result.stdout
    assert host.file("/etc/prometheus/alertmanager.yml").mode == 0o640


def notifications(host, path, alertname, status, since=0.0):
    """Alerts named alertname in status that the receiver got at path (after the time since),
    each with the name of the Alertmanager receiver that sent it."""
    record_file = host.file(RECEIVED)
    if not record_file.exists:
        return []
    found = []
    for line in record_file.content_string.splitlines():
        record = json.loads(line)
        if record["path"] != path or record["received"] < since:
            continue
        for alert in record["body"]["alerts"]:
            if alert["labels"]["alertname"] == alertname and alert["status"] == status:
                found.append((record["body"]["receiver"], alert))
    return found


# A Debian 12 and a Debian 13 host: the two versions of Debian's apt collector.
APT_HOSTS = ("prometheus-mon", "prometheus-xmpp")


@pytest.fixture(scope="module")
def security_updates():
    """Installed packages with a candidate from a security archive on each of APT_HOSTS, counted by
    the host's own apt (python3-apt) right after Debian's collector ran there."""
    counts = {}
    for name in APT_HOSTS:
        node = other_host(name)
        node.run_test("systemctl start prometheus-node-exporter-apt.service")
        counts[name] = int(node.check_output(
            "python3 -c \"import apt\n"
            "print(sum(1 for p in apt.Cache() if p.is_upgradable and "
            "any(o.archive.endswith('-security') for o in p.candidate.origins)))\""))
    return counts


def test_pending_security_updates_reach_prometheus(prometheus, password, security_updates):
    for name, expected in security_updates.items():
        promql = f'sum(apt_upgrades_pending{{instance="{name}", origin=~".*-security.*"}}) or vector(0)'
        assert wait_for(lambda: query(prometheus, password, promql) == expected), (name, expected)
        assert query(prometheus, password, f'apt_package_cache_timestamp_seconds{{instance="{name}"}}') > 0


def test_pending_security_updates_notify_as_a_warning(host, security_updates):
    # The test images are debootstrapped from the release without its security archive, so a new
    # host has pending security updates, as a machine installed from old media would.
    pending = {name for name, count in security_updates.items() if count > 0}
    assert pending, "no test host has a pending security update: nothing to alert on"

    def notified():
        seen = {alert["labels"]["instance"] for receiver, alert in
                notifications(host, "/every-alert", "SecurityUpdatesPending", "firing")
                if receiver == "every-alert"}
        return seen if seen >= pending else None
    assert wait_for(notified, timeout=90), notifications(host, "/every-alert", "SecurityUpdatesPending", "firing")
    # A warning: not routed to the critical receiver, so neither to its webhook nor by e-mail.
    assert notifications(host, "/critical", "SecurityUpdatesPending", "firing") == []
    assert [m for m in mails(host) if "SecurityUpdatesPending" in m[3]] == []


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
    assert_not_in_step_logs(password, "Write the settings of this host's components, each checked before it is used")


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


def test_stopping_prosody_notifies_the_webhook_through_alertmanager(host, prometheus, password):
    node = other_host("prometheus-xmpp")

    def prosody_down_state():
        alerts = api(prometheus, "alerts", password)["alerts"]
        return next((a["state"] for a in alerts if a["labels"]["alertname"] == "ProsodyDown"), None)

    # Containers share the controller's clock: the receiver's times compare with this one.
    since = time.time()

    def got(path, status):
        return [(receiver, alert["labels"]["instance"], alert["labels"]["severity"])
                for receiver, alert in notifications(host, path, "ProsodyDown", status, since)]

    def mailed(subject_start):
        return [m for m in mails(host, since) if m[3].startswith(subject_start)
                and m[:3] == ("alertmanager", "alertmanager@prometheus.test", (ONCALL,))]

    assert prosody_down_state() is None
    node.run_test("systemctl stop prosody")
    try:
        assert wait_for(lambda: prosody_down_state() == "firing"), "no ProsodyDown alert"
        # Critical: the critical receiver posts to both of its webhooks.
        assert wait_for(lambda: got("/critical", "firing") and got("/every-alert", "firing"), timeout=60)
        for path in ("/critical", "/every-alert"):
            assert set(got(path, "firing")) == {("critical", "prometheus-xmpp", "critical")}
        # And by e-mail, sent after logging in to the mail server.
        assert wait_for(lambda: mailed("[FIRING:1] ProsodyDown"), timeout=60), mails(host, since)
    finally:
        node.run_test("systemctl start prosody")
    assert wait_for(lambda: prosody_down_state() is None)
    # Resolved: the receiver is told the alert is over.
    assert wait_for(lambda: got("/critical", "resolved") and mailed("[RESOLVED] ProsodyDown"), timeout=60)
    assert set(got("/critical", "resolved")) == {("critical", "prometheus-xmpp", "critical")}


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


def test_backup_alerts_reach_the_webhook(host):
    """The backup alerts on this live Prometheus, from textfile metrics as playbooks/backup.yml
    writes them: a schedule and no finished backup on one host, a backup older than its schedule
    allows on another."""
    textfiles = "/var/lib/prometheus/node-exporter"
    since = time.time()

    def got(alertname, status):
        return {(receiver, alert["labels"]["instance"])
                for receiver, alert in notifications(host, "/critical", alertname, status, since)}

    def publish(node, name, metric, value):
        node.run_test(f"printf '%s\\n' '{metric} {value}' > {textfiles}/{name}.tmp"
                      f" && chmod 0644 {textfiles}/{name}.tmp && mv {textfiles}/{name}.tmp {textfiles}/{name}")

    never, too_old = other_host("prometheus-db"), other_host("prometheus-xmpp")
    try:
        for node in (never, too_old):
            publish(node, "xmpp_stack_backup_schedule.prom", "xmpp_stack_backup_max_age_seconds", 3600)
        # Finished two hours ago, with one hour allowed.
        publish(too_old, "xmpp_stack_backup.prom", "xmpp_stack_backup_last_success_timestamp_seconds",
                int(time.time()) - 7200)
        assert wait_for(lambda: got("BackupNeverSucceeded", "firing") and got("BackupTooOld", "firing"),
                        timeout=90)
        assert got("BackupNeverSucceeded", "firing") == {("critical", "prometheus-db")}
        assert got("BackupTooOld", "firing") == {("critical", "prometheus-xmpp")}
    finally:
        for node in (never, too_old):
            node.run_test(f"rm -f {textfiles}/xmpp_stack_backup_schedule.prom {textfiles}/xmpp_stack_backup.prom")
    assert wait_for(lambda: got("BackupNeverSucceeded", "resolved") and got("BackupTooOld", "resolved"),
                    timeout=60)
