# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the deployed Prosody under many real clients, beside Debian's stock Prosody.

Two throwaway Debian 13 hosts of the test bed's image, in the same run:
  ours   the prosody role (bench/load/site.yml), VirtualHost bench.test, with its defaults but
         the storage: SQLite3 in Prosody's data directory (prosody_storage: sql,
         prosody_sql_driver: SQLite3), the role README's storage for a server of this size
         without a database host; --storage internal measures the role's default storage;
  stock  Debian's prosody package and configuration, only the VirtualHost renamed to bench.test.
Both get the same N accounts through prosody_user (one task). Tsung (Debian's `tsung`, 1.7) on
this machine then drives each host in turn: every simulated user connects, STARTTLS, SCRAM
(SCRAM-SHA-256 on ours; stock stores SHA-1 keys, so SCRAM-SHA-1 there), binds, fetches its roster,
sends presence, then sends one-to-one messages to other online users at a fixed total rate (every
tenth user on ours also joins one of N/100 MUC rooms and talks there: stock has no MUC
component). Tsung 1.7 has no SCRAM of its own: its XMPP plugin sends our <auth>/<response> as raw
stanzas and the SCRAM client proof is computed by an Erlang expression in the scenario (crypto).

While Tsung runs, this script samples the Prosody process on the host every few seconds
(established c2s connections, RSS, CPU time) and Tsung's per-message delivery latencies (stamped
messages: send by one user to receipt by the other, through the server, one clock). Beside Tsung,
bench/probe.py (slixmpp, two more accounts) sends one message every PROBE_INTERVAL s and times its
delivery: a client with nothing else to do, so that the generator's own delays and the server's
can be told apart. It prints per load: sessions held, login rate, p50/p99/max delivery time
(Tsung's and the probe's), RSS growth per session, CPU, errors, and the largest session count at
which every window's p99 stayed under 100 ms.

Runs: `equal` = both hosts at the same small load (default 800 users, 500 msg/s: stock's service
runs with systemd's default 1024 open files); `full` = both hosts at N users (default 10,000) at
the same per-user message rate. --storage sql measures ours as the stack deploys it with a database
host: PostgreSQL (the postgres role) on the same test host, its CPU reported beside Prosody's.
--storage internal measures ours with the role's default, internal storage.
Usage: .venv/bin/python bench/load.py [--users N] [--rate R] ...
or `make bench-load`. Not part of `make test`; needs `make bootstrap testbed` and `tsung`.
Everything it made (containers, network, accounts file, Tsung logs outside artifacts/) is removed
at the end; the figures and Tsung's logs stay in artifacts/bench/load/.
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from xml.sax.saxutils import quoteattr

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOGS = os.path.join(ROOT, "artifacts", "bench", "load")
NETWORK = "bench-load"
HOSTS = {"ours": "bench-ours", "stock": "bench-stock"}
IMAGE = "xmpp-stack/debian:trixie"
DOMAIN = "bench.test"
ENV = dict(os.environ, PATH=os.path.join(ROOT, ".venv", "bin") + os.pathsep + os.environ["PATH"],
           ANSIBLE_FORCE_COLOR="0", ANSIBLE_ROLES_PATH=os.path.join(ROOT, "roles"),
           ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".cache", "collections") + os.pathsep
           + os.path.join(ROOT, ".venv", "lib", "python3.11", "site-packages"),
           ANSIBLE_PIPELINING="1", ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"))

# Tsung's Erlang schedulers spin for a while each time they run out of work (busy wait, Erlang's
# default). On this machine they spin on the cores the measured Prosody needs: with the spin off,
# p99 at 10,000 sessions halved in a side-by-side run (629 ms against 319 and 252 ms, expiry off).
# The load is the same; only the generator stops taking CPU it does not use.
TSUNG_ENV = dict(os.environ, ERL_FLAGS=(os.environ.get("ERL_FLAGS", "") + " +sbwt none +sbwtdcpu none +sbwtdio none").strip())


def sh(*argv, stdin=None, check=True):
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, check=check).stdout


def on_host(name, script):
    return sh("docker", "exec", name, "bash", "-c", script)


def start_hosts():
    """Both hosts from the test bed's image, with the flags of molecule/_shared/tasks/start_host.yml."""
    cleanup()
    sh("docker", "network", "create", NETWORK)
    for name in HOSTS.values():
        sh("docker", "run", "-d", "--name", name, "--hostname", name, "--network", NETWORK,
           "--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined", "--cgroupns=host",
           "-v", "/sys/fs/cgroup/systemd:/sys/fs/cgroup/systemd:rw", "--tmpfs", "/run",
           "--tmpfs", "/run/lock", "--tmpfs", "/tmp", "--stop-signal", "SIGRTMIN+3",
           "--sysctl", "net.ipv4.ip_unprivileged_port_start=1024", "--add-host", "aptcache:host-gateway",
           "-e", "container=docker", "--label", "xmpp-stack.testhost=bench-load", IMAGE, "/sbin/init")
    for name in HOSTS.values():
        on_host(name, "systemctl is-system-running --wait >/dev/null || true")


def cleanup():
    for name in HOSTS.values():
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
    subprocess.run(["docker", "network", "rm", NETWORK], capture_output=True, check=False)


def converge(work, users, rev=None, storage="sqlite"):
    """bench/load/site.yml: our role on one host, stock Prosody on the other, accounts on both.

    rev: a git revision to take the collection from (exported into the work directory) instead
    of the working tree. storage: "sql" puts PostgreSQL on our host (the postgres role) and
    stores there, as the stack does with a database host; "sqlite" stores in SQLite3 in
    Prosody's data directory (the role's prosody_sql_driver: SQLite3)."""
    env = dict(ENV)
    if rev:
        target = os.path.join(work, "collection", "ansible_collections", "xmpp", "stack")
        os.makedirs(target)
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", target], input=archive, check=True)
        env["ANSIBLE_COLLECTIONS_PATH"] = os.path.join(work, "collection") + os.pathsep + ENV["ANSIBLE_COLLECTIONS_PATH"]
        env["ANSIBLE_ROLES_PATH"] = os.path.join(target, "roles")
    inventory = {"all": {"children": {
        "ours": {"hosts": {HOSTS["ours"]: {}}, "vars": {
            "prosody_virtual_hosts": [{"name": DOMAIN}],
            "prosody_selfsigned_ca_dir": os.path.join(work, "ca"),
            "prosody_unbound_transparent_zones": ["test"], "bench_storage": storage,
            "prosody_storage": "internal" if storage == "internal" else "sql",
            "prosody_sql_driver": "SQLite3" if storage == "sqlite" else "PostgreSQL",
            "prosody_sql_database": "prosody.sqlite" if storage == "sqlite" else "prosody",
            "postgres_backup_enabled": False}},
        "stock": {"hosts": {HOSTS["stock"]: {}}},
        # The postgres role lets the hosts of this group in (here: its own host, over localhost).
        "xmpp_servers": {"hosts": {HOSTS["ours"]: {}} if storage == "sql" else {}}},
        "vars": {"ansible_connection": "community.docker.docker", "ansible_python_interpreter": "/usr/bin/python3"}}}
    with open(os.path.join(work, "inventory.json"), "w", encoding="utf-8") as out:
        json.dump(inventory, out)
    # The passwords reach Ansible in a 0600 file of the work directory, never on a command line.
    with open(os.open(os.path.join(work, "users.json"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w",
              encoding="utf-8") as out:
        db_password = secrets.token_urlsafe(18)
        json.dump({"bench_users": [{"name": u, "password": p} for u, p in users],
                   "prosody_sql_password": db_password, "postgres_prosody_password": db_password}, out)
    start = time.monotonic()
    with open(os.path.join(LOGS, "converge.log"), "w", encoding="utf-8") as log:
        done = subprocess.run(["ansible-playbook", "-i", os.path.join(work, "inventory.json"),
                               "-e", "@" + os.path.join(work, "users.json"),
                               os.path.join(ROOT, "bench", "load", "site.yml")],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        sys.exit("converge failed, see " + os.path.join(LOGS, "converge.log"))
    return time.monotonic() - start


def address(name):
    return sh("docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name).strip()


# SCRAM (RFC 5802) in the Erlang of Tsung's eval dynvars: first the client-first message, then
# the client-final one from the server's challenge. H is sha256 or sha (SHA-1).
SCRAM_FIRST = ('fun({_P,D}) -> {ok,U}=ts_dynvars:lookup(user,D), {ok,N}=ts_dynvars:lookup(cnonce,D), '
               'base64:encode(iolist_to_binary(["n,,n=",U,",r=",N])) end.')
SCRAM_FINAL = (
    'fun({_P,D}) -> {ok,U}=ts_dynvars:lookup(user,D), {ok,P}=ts_dynvars:lookup(pass,D), '
    '{ok,N}=ts_dynvars:lookup(cnonce,D), {ok,C}=ts_dynvars:lookup(challenge,D), H=%s, '
    'SF=base64:decode(C), F=[list_to_tuple(binary:split(X,<<"=">>)) || X <- binary:split(SF,<<",">>,[global])], '
    '{_,R}=lists:keyfind(<<"r">>,1,F), {_,S}=lists:keyfind(<<"s">>,1,F), {_,I}=lists:keyfind(<<"i">>,1,F), '
    'SP=crypto:pbkdf2_hmac(H,iolist_to_binary(P),base64:decode(S),binary_to_integer(I),byte_size(crypto:hash(H,<<>>))), '
    'CK=crypto:mac(hmac,H,SP,<<"Client Key">>), CF=iolist_to_binary(["c=biws,r=",R]), '
    'AM=iolist_to_binary(["n=",U,",r=",N,",",SF,",",CF]), '
    'Proof=crypto:exor(CK,crypto:mac(hmac,H,crypto:hash(H,CK),AM)), '
    'base64:encode(iolist_to_binary([CF,",p=",base64:encode(Proof)])) end.')


# A TCP connect the server has not answered within this time counts as error_connect_timeout
# (about what XMPP clients wait): without it, a client whose SYN the full accept queue of a server
# dropped waits through every kernel retry (over two minutes) and keeps Tsung running long after
# every session has left. 10 s cut off ours at 10,000 users (822 connects failed, 00:05 run).
CONNECT_TIMEOUT_MS = 30000
# The probe's send period (s): 25 messages/s, 5 % of the default rate, so that a 30 s steady phase
# gives it 750 deliveries to take a p99 from.
PROBE_INTERVAL = 0.04
PROBE_ACCOUNTS = "probe-accounts.json"
# Whether this session's time is up: "yes" from the Unix time `leave` on (this machine's clock,
# the same one the script read).
LEAVE = 'fun(_) -> case os:system_time(second) >= %d of true -> "yes"; false -> "no" end end.'


def tsung_config(path, server, users_csv, users, rate, arrival, steady, muc, sha, start):
    """One Tsung scenario: `users` arrive at `arrival`/s, each sends a chat every users/rate s.

    The arrival phase is longer than users/arrival (maxnumber stops it), so that a launcher slowed
    by a busy machine still starts every user. A reply that has not come within 60 s ends the
    session as Tsung's error_timeout (idle_timeout: a server that accepted a connection but never
    answers, as stock's out of open files does, would otherwise hold Tsung for its default ten
    minutes), and a connection that failed is not tried again (max_retries 0: one connection per
    user, so the errors count users, and the server under test gets no extra connects).
    start: the Unix time (s) Tsung starts at; returns the test's time limit (s)."""
    think = users / rate
    phase = users / arrival * 1.5 + 5
    # Every session stays until one wall-clock instant, the end of the whole arrival phase plus
    # `steady`: a server that logs users in slower than `arrival` must still end up holding all of
    # them at once, and every session leaves at about the same time, so Tsung ends then instead of
    # waiting for the longest of 10,000 random session lengths (a fixed loop count per session
    # left a tail of more than four minutes at 10,000 users).
    leave = math.ceil(start + phase + steady)
    # Every user sends one chat per `think` seconds, a fixed period: the users' phases are random
    # (Tsung's arrivals are a Poisson process), so the total is still the asked rate, spread like
    # random traffic; with Tsung's exponential think times instead, the last loop of some of
    # 10,000 sessions ran minutes past `leave` (and Tsung 1.7's uniform ones take whole seconds).
    # Tsung waits for every session to end; one whose connection the server closed can hang it,
    # so the whole test stops at this limit (the expected length plus two minutes).
    limit = phase + steady + think + 120
    mech, alg = ("SCRAM-SHA-256", "sha256") if sha == "SHA-256" else ("SCRAM-SHA-1", "sha")

    def raw(data, regexp, dyn=""):
        return ('<request subst="true">%s<jabber type="raw" ack="parse" regexp=%s data=%s/></request>'
                % (dyn, quoteattr(regexp), quoteattr(data)))
    features = '<request><jabber type="connect" ack="parse" regexp="&lt;/stream:features&gt;"/></request>'
    muc_part = ""
    if muc:
        # Every tenth user (random) joins one of users/100 rooms and talks there once per loop.
        muc_part = ('<setdynvars sourcetype="random_number" start="1" end="10"><var name="muc"/></setdynvars>'
                    '<setdynvars sourcetype="random_number" start="1" end="%d"><var name="room"/></setdynvars>'
                    % max(1, users // 100))
    muc_join = ('<if var="muc" eq="1"><request subst="true"><jabber type="muc:join" ack="local" room="room%%_room%%" '
                'nick="%%_user%%"/></request></if>') if muc else ""
    muc_talk = ('<if var="muc" eq="1"><request subst="true"><jabber type="muc:chat" ack="no_ack" size="32" '
                'room="room%%_room%%"/></request></if>') if muc else ""
    xml = f"""<?xml version="1.0"?>
<!DOCTYPE tsung SYSTEM "/usr/share/tsung/tsung-1.0.dtd">
<tsung loglevel="warning" backend="fullstats">
<clients><client host="localhost" use_controller_vm="true" maxusers="{users + 10}"/></clients>
<servers><server host="{server}" port="5222" type="tcp"/></servers>
<load duration="{math.ceil(limit)}" unit="second"><arrivalphase phase="1" duration="{math.ceil(phase)}" unit="second">
<users maxnumber="{users}" arrivalrate="{arrival}" unit="second"/></arrivalphase></load>
<options>
<option name="connect_timeout" value="{CONNECT_TIMEOUT_MS}"/>
<option name="idle_timeout" value="60000"/>
<option name="max_retries" value="0"/>
<option type="ts_jabber" name="global_number" value="{users}"/>
<option type="ts_jabber" name="domain" value="{DOMAIN}"/>
<option type="ts_jabber" name="muc_service" value="conference.{DOMAIN}"/>
<option name="file_server" id="userdb" value="{users_csv}"/>
</options>
<sessions><session probability="100" name="xmpp" type="ts_jabber" bidi="true">
<setdynvars sourcetype="file" fileid="userdb" delimiter=";" order="iter"><var name="user"/><var name="pass"/></setdynvars>
<setdynvars sourcetype="random_string" length="24"><var name="cnonce"/></setdynvars>
{muc_part}
<transaction name="login">
<request subst="true"><jabber type="connect" ack="parse" regexp="&lt;/stream:features&gt;">
<xmpp_authenticate username="%%_user%%" passwd="%%_pass%%"/></jabber></request>
<request><jabber type="starttls" ack="bidi_ack"/></request>
{features}
<setdynvars sourcetype="eval" code={quoteattr(SCRAM_FIRST)}><var name="auth1"/></setdynvars>
{raw(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='{mech}'>%%_auth1%%</auth>", "</challenge>",
     '<dyn_variable name="challenge" re="&lt;challenge[^&gt;]*&gt;([^&lt;]*)&lt;"/>')}
<setdynvars sourcetype="eval" code={quoteattr(SCRAM_FINAL % alg)}><var name="auth2"/></setdynvars>
{raw("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>%%_auth2%%</response>", "<success|<failure")}
{features}
<request><jabber type="auth_sasl_bind" ack="local"/></request>
<request><jabber type="auth_sasl_session" ack="local"/></request>
<request><jabber type="iq:roster:get" ack="local"/></request>
</transaction>
<request><jabber type="presence:initial" ack="no_ack"/></request>
{muc_join}
<repeat name="talk" max_repeat="{math.ceil(limit / think)}">
<thinktime value="{think:.3f}" random="false"/>
<request><jabber type="chat" ack="no_ack" size="64" destination="online" stamped="true"/></request>
{muc_talk}
<setdynvars sourcetype="eval" code={quoteattr(LEAVE % leave)}><var name="left"/></setdynvars>
<until var="left" eq="yes"/>
</repeat>
<request><jabber type="presence:final" ack="no_ack"/></request>
<request><jabber type="close" ack="no_ack"/></request>
</session></sessions>
</tsung>
"""
    with open(path, "w", encoding="utf-8") as out:
        out.write(xml)
    return limit


# Before each run: a fresh Prosody process (its RSS is the run's baseline) and no messages left
# over in offline storage or archives from an earlier run (offline ones would be delivered at
# login and counted as late).
# With --storage sql both stores (Prosody 13 keeps offline messages as an archive) are rows of
# the prosodyarchive table in PostgreSQL on the host: only where that database exists; with
# --storage sqlite, rows of that table in /var/lib/prosody/prosody.sqlite, deleted as the prosody
# user (a root sqlite3 could leave WAL files behind that Prosody cannot write).
FRESH = ("systemctl stop prosody && rm -rf /var/lib/prosody/bench%2etest/offline "
         "/var/lib/prosody/bench%2etest/archive* && "
         "if [ \"$(runuser -u postgres -- psql -Atqc \"SELECT 1 FROM pg_database WHERE datname = 'prosody'\" "
         "2>/dev/null)\" = 1 ]; then runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -d prosody "
         "-c 'TRUNCATE prosodyarchive'; fi && "
         "if [ -f /var/lib/prosody/prosody.sqlite ]; then "
         "runuser -u prosody -- sqlite3 /var/lib/prosody/prosody.sqlite 'DELETE FROM prosodyarchive'; fi && systemctl start prosody && "
         "for i in $(seq 60); do prosodyctl shell server version >/dev/null 2>&1 && exit 0; sleep 1; done; exit 1")
# Lines Prosody logged at level error: stock writes them to prosody.err, ours to the journal.
ERRORS = ("{ cat /var/log/prosody/prosody.err 2>/dev/null; "
          "journalctl -q -o cat -u prosody 2>/dev/null | grep -E '^\\S+\\s+error\\s'; } | wc -l")
PROBE = ("pid=$(systemctl show -p MainPID --value prosody); "
         "echo $(ss -Htn state established '( sport = :5222 )' | wc -l) "
         "$(awk '/VmRSS/ {print $2}' /proc/$pid/status) "
         "$(awk '{print $14+$15}' /proc/$pid/stat) $(getconf CLK_TCK) "
         "$(ps -C postgres -o times= | awk '{s += $1} END {print s + 0}') "
         "$(awk '{print $2}' /proc/$pid/schedstat)")


class Sampler(threading.Thread):
    """Every few seconds: the host's c2s connections, Prosody's RSS and CPU, new Tsung latencies."""

    def __init__(self, host, fullstats, period=3.0):
        super().__init__(daemon=True)
        self.host, self.fullstats, self.period = host, fullstats, period
        # (t, sessions, rss_kib, cpu_seconds, [latencies ms], PostgreSQL's cpu_seconds,
        #  seconds Prosody was ready to run but waited for a core: schedstat's run-queue time)
        self.rows = []
        self.stop = threading.Event()
        self.offset = 0

    def latencies(self):
        # Tsung writes into a dated directory below the one it is given.
        found = glob.glob(os.path.join(self.fullstats, "*", "tsung-fullstats.log"))
        if not found:
            return []
        with open(found[0], encoding="utf-8", errors="replace") as f:
            f.seek(self.offset)
            text = f.read()
        cut = text.rfind("\n") + 1
        self.offset += len(text[:cut].encode())
        found = []
        for block in re.findall(r"\{sample,xmpp_msg_latency,(\[[^\]]*\]|[0-9.e+-]+)\}", text[:cut]):
            found += [float(v) for v in block.strip("[]").split(",") if v]
        return found

    def run(self):
        while not self.stop.wait(self.period):
            self.sample()
        self.sample()

    def sample(self):
        try:
            sessions, rss, ticks, hz, db_seconds, waited_ns = on_host(self.host, PROBE).split()
        except (subprocess.CalledProcessError, ValueError):
            return
        self.rows.append((time.monotonic(), int(sessions), int(rss), int(ticks) / int(hz), self.latencies(),
                          float(db_seconds), int(waited_ns) / 1e9))


def pct(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def tsung_counts(logdir):
    """From tsung.log: every error counter's total and the number of finished login transactions.

    Counter lines are `stats: NAME COUNT TOTAL`; sample lines `stats: NAME COUNT MEAN STDDEV MAX
    MIN MEAN_SO_FAR COUNT_SO_FAR`. Tsung counts a session whose expected reply never came (a
    timeout, a refused connection) as error_*, and a <match> abort as match."""
    errors, logins = {}, 0
    with open(os.path.join(logdir, "tsung.log"), encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 4 and parts[0] == "stats:" and (parts[1].startswith("error_") or parts[1] == "match"):
                errors[parts[1]] = int(float(parts[3]))
            elif len(parts) == 9 and parts[:2] == ["stats:", "tr_login"]:
                logins = int(parts[8])
    return errors, logins


def start_probe(host, work, logdir):
    """bench/probe.py against `host`, or None when the work directory has no probe accounts (a
    --reuse directory from before the probe). Its settings file holds the passwords: 0600."""
    accounts = os.path.join(work, PROBE_ACCOUNTS)
    if not os.path.exists(accounts):
        print("  (no probe accounts in %s: the probe does not run)" % work, flush=True)
        return None, None
    with open(accounts, encoding="utf-8") as f:
        pairs = json.load(f)
    settings = os.path.join(work, "probe-settings.json")
    with open(os.open(settings, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as out:
        json.dump({"host": address(host), "port": 5222, "domain": DOMAIN, "interval": PROBE_INTERVAL,
                   "accounts": pairs}, out)
    samples = os.path.join(logdir, "probe.txt")
    with open(os.path.join(logdir, "probe.log"), "w", encoding="utf-8") as log:
        return subprocess.Popen([sys.executable, os.path.join(ROOT, "bench", "probe.py"), settings, samples],
                                stdout=log, stderr=subprocess.STDOUT), samples


def stop_probe(probe, samples):
    """Stops the probe (it then writes the messages that never arrived); None when there was none."""
    if probe is None:
        return
    if probe.poll() is not None:
        print("  the probe stopped early (rc %d): see %s" % (probe.returncode,
              os.path.join(os.path.dirname(samples), "probe.log")), flush=True)
        return
    probe.terminate()
    try:
        probe.wait(timeout=15)
    except subprocess.TimeoutExpired:
        probe.kill()
        probe.wait()


def probe_window(samples, t0, t1):
    """The probe's delivery times (ms) of the messages sent from t0 to t1 (monotonic), and how
    many of those never arrived. A line cut short by a killed probe is skipped."""
    arrived, lost = [], 0
    if not os.path.exists(samples):
        return arrived, lost
    with open(samples, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if len(fields) != 2 or not t0 <= float(fields[0]) <= t1:
                continue
            if fields[1] == "lost":
                lost += 1
            else:
                arrived.append(float(fields[1]))
    return arrived, lost


def run_load(label, host, users_csv, users, rate, arrival, steady, sha, work):
    logdir = os.path.join(LOGS, label)
    shutil.rmtree(logdir, ignore_errors=True)
    os.makedirs(logdir)
    on_host(host, FRESH)
    errors_before = int(on_host(host, ERRORS))
    before = Sampler(host, "")
    before.sample()
    base = before.rows[-1]
    # Written just before Tsung starts: the sessions' leaving time counts from now.
    config = os.path.join(work, label + ".xml")
    expected = tsung_config(config, address(host), users_csv, users, rate, arrival, steady,
                            muc=(host == HOSTS["ours"]), sha=sha, start=time.time())
    shutil.copy(config, logdir)
    sampler = Sampler(host, os.path.join(work, "tsung-" + label))
    probe, probe_samples = start_probe(host, work, logdir)
    start = time.monotonic()
    sampler.start()
    try:
        # Tsung makes a dated directory below -l; its files are moved to logdir afterwards.
        with open(os.path.join(logdir, "tsung.out"), "w", encoding="utf-8") as out:
            done = subprocess.run(["bash", "-c", 'ulimit -n 20000 && exec tsung -f "$0" -l "$1" start',
                                   config, os.path.join(work, "tsung-" + label)],
                                  stdout=out, stderr=subprocess.STDOUT, timeout=expected + 300, check=False,
                                  env=TSUNG_ENV)
    finally:
        # Whatever happened to Tsung, neither the sampler nor the probe outlives the run.
        sampler.stop.set()
        sampler.join()
        stop_probe(probe, probe_samples)
    elapsed = time.monotonic() - start
    tail = sampler.latencies()   # what Tsung wrote after the last sample
    dated = os.path.join(work, "tsung-" + label)
    for sub in os.listdir(dated):
        for name in os.listdir(os.path.join(dated, sub)):
            shutil.move(os.path.join(dated, sub, name), os.path.join(logdir, name))
    shutil.rmtree(dated)
    rows = sampler.rows
    peak = max(rows, key=lambda r: r[1])
    all_lat = [v for r in rows for v in r[4]] + tail
    # Steady state: rows from when the sessions first reached 98 % of their peak until they fell again.
    steady_rows = [r for r in rows if r[1] >= 0.98 * peak[1]]
    steady_lat = [v for r in steady_rows for v in r[4]]
    t0, t1 = (steady_rows[0][0], steady_rows[-1][0]) if steady_rows else (start, start)
    cpu = (steady_rows[-1][3] - steady_rows[0][3]) / (t1 - t0) * 100 if t1 > t0 else float("nan")
    db_cpu = (steady_rows[-1][5] - steady_rows[0][5]) / (t1 - t0) * 100 if t1 > t0 else float("nan")
    # Time Prosody could have run but another process had both cores (Tsung, the kernel's writeback):
    # a tail made of it is this machine's, not the server's.
    waited = (steady_rows[-1][6] - steady_rows[0][6]) / (t1 - t0) * 100 if t1 > t0 else float("nan")
    probe_lat, probe_lost = probe_window(probe_samples, t0, t1) if probe else (None, None)
    # The largest session count such that every window (sample period) up to it had p99 < 100 ms.
    held_under = 0
    for r in rows:
        if len(r[4]) >= 20 and pct(r[4], 99) >= 100:
            break
        held_under = max(held_under, r[1])
    errors, logins = tsung_counts(logdir)
    # Login rate: sessions held at the peak over the time it took to get there.
    ramp = steady_rows[0][0] - start if steady_rows else 0
    result = {
        "label": label, "users": users, "rate": rate, "wall_s": round(elapsed, 1),
        "sessions_peak": peak[1], "logins": logins, "login_rate": round(peak[1] / ramp, 1) if ramp > 0 else None,
        "messages": len(all_lat), "steady_messages": len(steady_lat), "steady_s": round(t1 - t0, 1),
        "p50_ms": round(pct(steady_lat, 50), 2), "p99_ms": round(pct(steady_lat, 99), 2),
        "max_ms": round(max(steady_lat), 2) if steady_lat else None,
        "p99_all_ms": round(pct(all_lat, 99), 2),
        "probe_messages": len(probe_lat) if probe_lat is not None else None,
        "probe_lost": probe_lost,
        "probe_expected": round((t1 - t0) / PROBE_INTERVAL) if probe_lat is not None else None,
        "probe_p50_ms": round(pct(probe_lat, 50), 2) if probe_lat else None,
        "probe_p99_ms": round(pct(probe_lat, 99), 2) if probe_lat else None,
        "probe_max_ms": round(max(probe_lat), 2) if probe_lat else None,
        "rss_base_mib": round(base[2] / 1024, 1), "rss_peak_mib": round(peak[2] / 1024, 1),
        "rss_per_session_kib": round((peak[2] - base[2]) / peak[1], 1) if peak[1] else None,
        "cpu_steady_pct": round(cpu, 1), "cpu_total_s": round(rows[-1][3] - base[3], 1),
        "db_cpu_steady_pct": round(db_cpu, 1), "run_queue_wait_steady_pct": round(waited, 1),
        "prosody_err_lines": int(on_host(host, ERRORS)) - errors_before, "tsung_errors": errors,
        "largest_sessions_p99_under_100ms": held_under, "tsung_rc": done.returncode,
    }
    with open(os.path.join(logdir, "result.json"), "w", encoding="utf-8") as out:
        json.dump({"result": result, "samples": [r[:4] + (len(r[4]), round(pct(r[4], 99), 2)) for r in rows]},
                  out, indent=1)
    return result


ROWS = [("sessions held (peak)", "sessions_peak"), ("login rate (sessions/s to 98 % of peak)", "login_rate"),
        ("delivery p50 ms (steady)", "p50_ms"), ("delivery p99 ms (steady)", "p99_ms"),
        ("delivery max ms (steady)", "max_ms"), ("messages measured (steady)", "steady_messages"),
        ("probe delivery p50 ms (steady)", "probe_p50_ms"), ("probe delivery p99 ms (steady)", "probe_p99_ms"),
        ("probe delivery max ms (steady)", "probe_max_ms"), ("probe messages (steady)", "probe_messages"),
        ("probe messages never delivered (steady)", "probe_lost"),
        ("Prosody RSS MiB at peak", "rss_peak_mib"), ("RSS growth per session KiB", "rss_per_session_kib"),
        ("Prosody CPU % (steady, of one core)", "cpu_steady_pct"), ("Prosody CPU s (whole run)", "cpu_total_s"),
        ("PostgreSQL CPU % (steady, of one core)", "db_cpu_steady_pct"),
        ("Prosody waiting for a core % (steady)", "run_queue_wait_steady_pct"),
        ("largest sessions with p99 < 100 ms", "largest_sessions_p99_under_100ms"),
        ("prosody.err new lines", "prosody_err_lines")]


def table(title, ours, stock):
    print("\n" + title)
    print("  %-42s %12s %12s %8s" % ("", "ours", "stock", "ratio"))
    for text, key in ROWS:
        a, b = ours.get(key), stock.get(key)
        ratio = "%.2f" % (a / b) if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else "-"
        print("  %-42s %12s %12s %8s" % (text, a, b, ratio))
    print("  %-42s %12s %12s" % ("Tsung errors", ours["tsung_errors"] or 0, stock["tsung_errors"] or 0))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--users", type=int, default=10000, help="sessions of the full run")
    parser.add_argument("--equal-users", type=int, default=800, help="sessions of the equal-load run (0: skip)")
    parser.add_argument("--rate", type=float, default=500, help="one-to-one messages per second at full size")
    parser.add_argument("--arrival", type=float, default=100, help="new sessions per second")
    parser.add_argument("--steady", type=float, default=30,
                        help="seconds every session stays after the arrival phase")
    parser.add_argument("--sides", nargs="+", choices=("ours", "stock"), default=("ours", "stock"),
                        help="development: measure only these hosts")
    parser.add_argument("--storage", choices=("sqlite", "internal", "sql"), default="sqlite",
                        help="ours: SQLite3 in Prosody's data directory (prosody_sql_driver: SQLite3, the default); "
                        "the role's default internal storage; or PostgreSQL on the same host through the postgres "
                        "role (the stack's storage when it has a database host; the database then shares the cores)")
    parser.add_argument("--keep", action="store_true", help="leave the hosts running")
    parser.add_argument("--rev", help="deploy the collection of this git revision instead of the working tree")
    parser.add_argument("--reuse", metavar="DIR", help="development: keep the work directory DIR and, when it "
                        "holds accounts from an earlier --keep run, skip the set-up")
    args = parser.parse_args()
    if not shutil.which("tsung"):
        sys.exit("tsung is missing: apt-get install tsung (Debian's Tsung 1.7)")
    os.makedirs(LOGS, exist_ok=True)
    began = time.monotonic()
    work = args.reuse or tempfile.mkdtemp(prefix="bench-load-")
    csv = os.path.join(work, "users.csv")
    try:
        if not (args.reuse and os.path.exists(csv)):
            os.makedirs(work, exist_ok=True)
            accounts = [("u%d" % i, secrets.token_urlsafe(12)) for i in range(1, args.users + 1)]
            probes = [("probe%d" % i, secrets.token_urlsafe(12)) for i in (1, 2)]
            print("Starting %s (Debian 13, image %s) ..." % (", ".join(HOSTS.values()), IMAGE), flush=True)
            start_hosts()
            took = converge(work, accounts + probes, args.rev, args.storage)
            with open(os.open(os.path.join(work, PROBE_ACCOUNTS), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w",
                      encoding="utf-8") as out:
                json.dump(probes, out)
            print("converge (role, stock install, %d accounts on each): %.0f s" % (args.users, took), flush=True)
            with open(os.open(csv, os.O_WRONLY | os.O_CREAT, 0o600), "w", encoding="utf-8") as out:
                out.write("".join("%s;%s\n" % pair for pair in accounts))
        version = on_host(HOSTS["ours"], "prosodyctl about | awk '/^Prosody/ {print $2; exit}'").strip()
        if args.storage == "sqlite":
            # Bytes 18 and 19 of an SQLite file are 2 in WAL mode: without it (LuaDBI, or another
            # sqlite_tune) every commit waits for the disk and the run measures something else.
            mode = on_host(HOSTS["ours"], "od -An -tu1 -j18 -N2 /var/lib/prosody/prosody.sqlite").split()
            if mode != ["2", "2"]:
                sys.exit("ours: /var/lib/prosody/prosody.sqlite is not in WAL mode (header bytes %s)" % mode)
        results = {}
        runs = [("equal", args.equal_users, args.rate)] if args.equal_users else []
        runs.append(("full", args.users, args.rate))
        for run, users, rate in runs:
            for side, sha in (("stock", "SHA-1"), ("ours", "SHA-256")):
                if side not in args.sides:
                    continue
                label = "%s-%s" % (run, side)
                print("%s: %d users, %.0f msg/s ..." % (label, users, rate), flush=True)
                results[label] = run_load(label, HOSTS[side], csv, users, rate, args.arrival, args.steady, sha, work)
                print("  " + json.dumps(results[label]), flush=True)
        print("\nProsody %s on Debian 13, %d cores, Tsung on the same machine; load %.1f at the end"
              % (version, os.cpu_count(), os.getloadavg()[0]))
        for run, users, rate in runs if len(args.sides) == 2 else ():
            table("%s run: %d users, %.0f one-to-one msg/s at full size" % (run, users, rate),
                  results[run + "-ours"], results[run + "-stock"])
        with open(os.path.join(LOGS, "results.json"), "w", encoding="utf-8") as out:
            json.dump(results, out, indent=1)
        print("\nwhole benchmark: %.0f s (goal: under 900 s); logs in %s" % (time.monotonic() - began, LOGS))
    finally:
        if not args.reuse:
            shutil.rmtree(work, ignore_errors=True)
        if not args.keep:
            cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
