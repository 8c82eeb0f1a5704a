"""An existing Debian 12 SQLite3 database with a rollback journal (every site from before the role
set WAL there) is put in WAL mode by the role, live: Prosody keeps running, with the same process,
and writes while a reader holds the database. sqlite_tune=safe on a WAL file is refused."""
import json
import os
import subprocess

import testinfra

from conftest_helpers import assert_prosody_writes_while_a_reader_holds, sqlite_journal_mode

SCENARIO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT = os.path.dirname(os.path.dirname(SCENARIO))
HOST = "prosody-bookworm"
DATABASE = "/var/lib/prosody/prosody.sqlite"


def run_journal_tasks(extra_vars=None):
    ephemeral = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
    env = dict(os.environ, ANSIBLE_ROLES_PATH=os.path.join(PROJECT, "roles"), ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_CONFIG=os.path.join(ephemeral, "ansible.cfg"))
    result = subprocess.run(
        ["ansible-playbook", "-i", os.path.join(ephemeral, "inventory"), "--limit", HOST,
         os.path.join(SCENARIO, "sqlite_journal.yml"), "-e", json.dumps(extra_vars or {})],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    # Ansible folds long messages over lines: compare words.
    output = " ".join((result.stdout + result.stderr).split())
    return result.returncode, output, output[output.rindex("PLAY RECAP"):] if "PLAY RECAP" in output else ""


def prosody_pid(host):
    return host.run("systemctl show -p MainPID --value prosody").stdout.strip()


def test_rollback_journal_switched_to_wal_live_and_safe_refused():
    host = testinfra.get_host("docker://" + HOST)
    domain = "bookworm.example.test"
    # The file as a site from before has it: a rollback journal (leaving WAL needs Prosody stopped).
    back = host.run("systemctl stop prosody && runuser -u prosody -- python3 -c \"import sqlite3; "
                    "print(sqlite3.connect('%s').execute('PRAGMA journal_mode=DELETE').fetchone()[0])\" "
                    "&& systemctl start prosody && timeout 30 bash -c 'until [ -S /var/lib/prosody/prosody.sock ] "
                    "&& (exec 3<>/dev/tcp/127.0.0.1/5222) 2>/dev/null; do sleep 0.5; done'" % DATABASE)
    assert back.rc == 0 and back.stdout.strip() == "delete", back.stdout + back.stderr
    assert sqlite_journal_mode(host, DATABASE) == "rollback"
    before = prosody_pid(host)

    code, output, recap = run_journal_tasks()
    assert code == 0, output
    assert "changed=1" in recap and "failed=0" in recap
    assert sqlite_journal_mode(host, DATABASE) == "wal"
    # Live: the same Prosody process, which now writes while a reader holds the file.
    assert prosody_pid(host) == before
    assert_prosody_writes_while_a_reader_holds(host, DATABASE, domain)

    code, output, recap = run_journal_tasks()
    assert code == 0 and "changed=0" in recap, output

    code, output, recap = run_journal_tasks({"prosody_sql_sqlite_tune": "safe"})
    assert code != 0
    assert "prosody_sql_sqlite_tune=safe" in output and DATABASE in output and "journal_mode=DELETE" in output
    assert "changed=0" in recap
    assert sqlite_journal_mode(host, DATABASE) == "wal" and prosody_pid(host) == before
