"""Helpers for the Molecule verifiers: test hosts' addresses, the secrets kept on the controller,
test accounts, the scenario CA.

Test accounts are created through `prosodyctl shell` (Lua on stdin) inside the container, with
passwords generated here: they never appear on a command line or in a log.
"""
import json
import os
import pathlib
import secrets
import shlex
import subprocess
import time


def container_address(name, network=None):
    """The IPv4 address of a test host (its container's name) as the controller and the other
    hosts reach it: on the named Docker network, or on its only (first) network."""
    out = subprocess.run(["docker", "inspect", name], check=True, capture_output=True, text=True)
    networks = json.loads(out.stdout)[0]["NetworkSettings"]["Networks"]
    if network is not None:
        return networks[network]["IPAddress"]
    return next(net["IPAddress"] for net in networks.values() if net["IPAddress"])


def host_address(host, network=None):
    """container_address() of a testinfra host (its inventory name is its container's name)."""
    return container_address(host.backend.get_hostname(), network)


def controller_secret(path):
    """A secret the scenario's run generated and kept on the controller (a password lookup's
    file, whose first word is the secret: 'PASSWORD salt=...' keeps a salt after it). path is
    relative to the scenario's ephemeral directory, or absolute."""
    path = pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], path)
    words = path.read_text(encoding="utf-8").split()
    assert words, f"{path} is empty"
    return words[0]


def scenario_ca_file(relative="ca/ca.crt"):
    """The lab CA of the scenario, kept in Molecule's ephemeral directory."""
    return os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], relative)


def prosody_shell(container, lua_lines):
    """Feeds Lua lines to one `prosodyctl shell --quiet` session; returns its output.
    The shell exits 0 whatever happened, so callers must read the answers."""
    out = subprocess.run(["docker", "exec", "-i", container, "prosodyctl", "shell", "--quiet"],
                         input="\n".join(lua_lines) + "\n", capture_output=True, text=True,
                         check=True, timeout=60)
    return out.stdout


def create_accounts(container, domain, usernames):
    """Creates (or resets the password of) each account; returns {username: (jid, password)}."""
    accounts = {name: (f"{name}@{domain}", secrets.token_urlsafe(18)) for name in usernames}
    lines = []
    for jid, password in accounts.values():
        # delete first: user:create fails on an existing account, and reruns must work.
        lines.append(f'user:delete("{jid}")')
        lines.append(f'user:create("{jid}", "{password}")')
    output = prosody_shell(container, lines)
    created = output.count("| OK: Created ")
    if created != len(accounts):
        # Never echo the output: it contains the passwords fed to the shell.
        raise RuntimeError(f"created {created} of {len(accounts)} accounts on {container}")
    return accounts


# The steps scripts/molecule-scenario.sh runs (and logs) before verify.
STEP_LOGS = ("converge", "idempotence", "check")


def sqlite_journal_mode(host, path):
    """The journal mode of the SQLite file `path` on a testinfra host, "wal" or "rollback", read
    from its header (bytes 18 and 19: 1 for a rollback journal, 2 for WAL; sqlite.org/fileformat).

    Read as bytes, not through SQLite: a root connection could leave -wal/-shm files behind that
    Prosody cannot write. Raises AssertionError when the file is not an SQLite 3 database or the
    two bytes are neither."""
    header = host.file(path).content[:20]
    assert header[:16] == b"SQLite format 3\x00", "%s is not an SQLite 3 database" % path
    modes = {(1, 1): "rollback", (2, 2): "wal"}
    assert (header[18], header[19]) in modes, "%s: header bytes 18/19 are %r" % (path, header[18:20])
    return modes[(header[18], header[19])]


def sqlite_account_rows(host, path, node, domain):
    """[integrity_check's answer (str, "ok" when whole), the account's row count (int)] of the
    Prosody SQLite3 file `path` on a testinfra host, for the account node@domain (its rows of
    store "accounts" in Prosody's `prosody` table).

    Read as the prosody user and read-only: a root connection could leave -wal/-shm files behind
    that Prosody cannot write. Raises AssertionError when python3 cannot read the file."""
    query = ("import json, sqlite3; db = sqlite3.connect('file:%s?mode=ro', uri=True); "
             "print(json.dumps([db.execute('pragma integrity_check').fetchone()[0], "
             "db.execute('select count(*) from prosody where host=? and store=? and user=?', "
             "(%r, 'accounts', %r)).fetchone()[0]]))" % (path, domain, node))
    result = host.run("runuser -u prosody -- python3 -c %s" % shlex.quote(query))
    assert result.rc == 0, "%s: %s" % (path, result.stderr)
    return json.loads(result.stdout)


def sqlite_reader_program(database, marks, hold_seconds):
    """A `python3 -c` program (str) to run as the prosody user: it opens the SQLite3 file
    `database` read-only, takes a snapshot in a read transaction (as the backup's VACUUM INTO
    does), creates the file `marks` + ".held", holds the snapshot until `marks` + ".done" exists
    or `hold_seconds` (s) have passed, then fails with "snapshot not held" if its count changed
    under it, and commits."""
    return ("import os, sqlite3, time; db = sqlite3.connect('file:%s?mode=ro', uri=True, isolation_level=None); "
            "db.execute('BEGIN'); count = db.execute('select count(*) from prosody').fetchone()[0]; "
            "open(%r, 'w').close(); deadline = time.time() + %d\n"
            "while not os.path.exists(%r) and time.time() < deadline: time.sleep(0.1)\n"
            "assert db.execute('select count(*) from prosody').fetchone()[0] == count, 'snapshot not held'\n"
            "db.execute('COMMIT')" % (database, marks + ".held", hold_seconds, marks + ".done"))


def prosody_write_while_a_reader_holds(host, database, domain):
    """Has Prosody create an account on `domain` while another process (as the prosody user)
    holds a read transaction on Prosody's SQLite3 file `database` (sqlite_reader_program).
    Returns (node, prosodyctl's result).

    The write starts only once the reader holds its snapshot, which it keeps until the write has
    returned and checks did not change, so the write really met a held read transaction. Raises
    AssertionError when the reader fails or never holds the file. With a rollback journal
    Prosody's write fails at once ("commit failed", measured on Debian 12 through LuaDBI); in WAL
    mode it goes through."""
    node = "held" + secrets.token_hex(3)
    marks = "/tmp/xmpp-stack-reader-" + secrets.token_hex(4)
    run = host.run(
        "runuser -u prosody -- python3 -c %s & reader=$!; "
        "for _i in $(seq 100); do [ -e %s.held ] && break; sleep 0.1; done; [ -e %s.held ] || exit 90; "
        "prosodyctl shell user create %s@%s %s; rc=$?; touch %s.done; wait $reader || exit 91; "
        "rm -f %s.held %s.done; exit $rc"
        % (shlex.quote(sqlite_reader_program(database, marks, 60)), marks, marks, node, domain,
           shlex.quote("pw-'$" + secrets.token_hex(4)), marks, marks, marks))
    assert run.rc not in (90, 91), "the reader did not hold %s: %s" % (database, run.stdout + run.stderr)
    return node, run


def assert_prosody_writes_while_a_reader_holds(host, database, domain):
    """Fails unless Prosody's write goes through while a reader holds `database` (see
    prosody_write_while_a_reader_holds) and the account is then in the file."""
    node, created = prosody_write_while_a_reader_holds(host, database, domain)
    assert created.rc == 0 and "OK: Created" in created.stdout, created.stdout + created.stderr
    assert sqlite_account_rows(host, database, node, domain)[1] > 0


def assert_not_in_step_logs(secret, marker):
    """Fails if secret appears in the converge, idempotence or check output of this scenario, as
    scripts/molecule-scenario.sh kept it; marker (a task name) proves each log is a real run."""
    root = (pathlib.Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / "artifacts" / "molecule"
            / os.environ["MOLECULE_SCENARIO_NAME"])
    for step in STEP_LOGS:
        path = root / f"{step}.log"
        assert path.exists(), f"{path} is missing: run the scenario with scripts/molecule-scenario.sh"
        text = path.read_text(encoding="utf-8", errors="replace")
        assert marker in text, f"{step}.log holds no run of '{marker}'"
        # A bare boolean: pytest must not print the secret when the assertion fails.
        leaked = secret in text
        assert not leaked, f"a secret appears in the {step} output"


def wait_for(check, timeout=60, interval=2):
    """Polls check() until it returns something truthy (or the timeout passes); returns its last
    value. For what a server does on its own clock, such as a Prometheus scrape."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
