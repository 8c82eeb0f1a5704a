"""An existing Debian 12 SQLite3 database with a rollback journal (every site from before the role
set WAL there) is put in WAL mode by the role: live, with the same Prosody process and its open
connection, or, when a commit Prosody could not make keeps the file locked, with Prosody stopped
for the switch and started again. Then Prosody writes while a reader holds the database, which it
could not do before. sqlite_tune=safe on a WAL file is refused."""
import shlex

import testinfra

from conftest import prosody_pid, run_scenario_playbook
from conftest_helpers import (assert_prosody_writes_while_a_reader_holds, prosody_write_while_a_reader_holds,
                              sqlite_journal_mode, sqlite_reader_program)

HOST = "prosody-bookworm"
DOMAIN = "bookworm.example.test"
DATABASE = "/var/lib/prosody/prosody.sqlite"
# The marks of the reader that keeps the file locked past the role's live attempt.
HELD = "/tmp/xmpp-stack-locked"
# Sets the journal mode as the prosody user, with Prosody stopped (leaving WAL needs every
# connection closed), then starts Prosody and waits for its admin socket and c2s port.
SET_MODE = ("systemctl stop prosody && runuser -u prosody -- python3 -c \"import sqlite3; "
            "print(sqlite3.connect('%s').execute('PRAGMA journal_mode=%%s').fetchone()[0])\" "
            "&& systemctl start prosody && timeout 30 bash -c 'until [ -S /var/lib/prosody/prosody.sock ] "
            "&& (exec 3<>/dev/tcp/127.0.0.1/5222) 2>/dev/null; do sleep 0.5; done'" % DATABASE)


def run_journal_tasks(extra_vars=None):
    result = run_scenario_playbook("sqlite_journal.yml", HOST, extra_vars or {}, verbose=True)
    # Ansible folds long messages over lines: compare words.
    output = " ".join((result.stdout + result.stderr).split())
    return result.returncode, output, output[output.rindex("PLAY RECAP"):] if "PLAY RECAP" in output else ""


def assert_switched_and_writing(host):
    code, output, recap = run_journal_tasks()
    assert code == 0, output
    assert "changed=1" in recap and "failed=0" in recap
    assert sqlite_journal_mode(host, DATABASE) == "wal"
    assert host.service("prosody").is_running
    assert_prosody_writes_while_a_reader_holds(host, DATABASE, DOMAIN)
    return output


def test_rollback_journal_switched_to_wal_and_safe_refused():
    host = testinfra.get_host("docker://" + HOST)
    try:
        back = host.run(SET_MODE % "DELETE")
        assert back.rc == 0 and back.stdout.strip() == "delete", back.stdout + back.stderr
        assert sqlite_journal_mode(host, DATABASE) == "rollback"
        # What sites had: a write that meets the backup's reader fails.
        _node, refused = prosody_write_while_a_reader_holds(host, DATABASE, DOMAIN)
        assert refused.rc != 0 and "commit failed" in refused.stdout + refused.stderr, refused.stdout
        # The transaction Prosody could not commit keeps the file locked until its next commit.
        plain = host.run("prosodyctl shell user create plain1@%s pw-plain-xyz" % DOMAIN)
        assert plain.rc == 0, plain.stdout + plain.stderr

        # A file that stays locked past the live attempt (15 s; here a reader for 25 s): the role
        # stops Prosody, switches once the file is free, and starts Prosody again.
        reader = host.run("runuser -u prosody -- python3 -c %s >/dev/null 2>&1 & "
                          "for _i in $(seq 100); do [ -e %s.held ] && exit 0; sleep 0.1; done; exit 1"
                          % (shlex.quote(sqlite_reader_program(DATABASE, HELD, 25)), HELD))
        assert reader.rc == 0, reader.stdout + reader.stderr
        before = prosody_pid(host)
        output = assert_switched_and_writing(host)
        assert "switched with Prosody stopped and started again" in output, output[output.find("Switch the"):][:2000]
        assert prosody_pid(host) != before

        # A rollback file whose lock is free (Prosody's connection open, its last commit made): live.
        back = host.run(SET_MODE % "DELETE")
        assert back.rc == 0 and back.stdout.strip() == "delete", back.stdout + back.stderr
        plain = host.run("prosodyctl shell user create plain2@%s pw-plain-xyz" % DOMAIN)
        assert plain.rc == 0, plain.stdout + plain.stderr
        before = prosody_pid(host)
        output = assert_switched_and_writing(host)
        assert "switched live" in output, output[output.find("Switch the"):][:2000]
        assert prosody_pid(host) == before
        # Prosody's connection holds no read transaction between its own: a checkpoint of the
        # whole log goes through (else the -wal file would grow without end).
        checkpoint = host.run("runuser -u prosody -- python3 -c \"import sqlite3; print(sqlite3.connect('%s', "
                              "timeout=10).execute('PRAGMA wal_checkpoint(TRUNCATE)').fetchone()[0])\"" % DATABASE)
        assert (checkpoint.rc, checkpoint.stdout.strip()) == (0, "0"), checkpoint.stdout + checkpoint.stderr

        code, output, recap = run_journal_tasks()
        assert code == 0 and "changed=0" in recap, output

        code, output, recap = run_journal_tasks({"prosody_sql_sqlite_tune": "safe"})
        assert code != 0
        assert "prosody_sql_sqlite_tune=safe" in output and DATABASE in output and "journal_mode=DELETE" in output
        assert "changed=0" in recap
        assert sqlite_journal_mode(host, DATABASE) == "wal" and prosody_pid(host) == before
    finally:
        host.run("rm -f %s.held" % HELD)
        # The later tests of this scenario expect the host as the role left it.
        if sqlite_journal_mode(host, DATABASE) != "wal" or not host.service("prosody").is_running:
            host.run(SET_MODE % "WAL")
