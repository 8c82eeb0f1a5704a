"""The scenario's host stores in SQLite3 on Debian 13: Prosody opens the file through LuaSQLite3
and the role's sqlite_tune (normal) puts it in WAL mode, so a commit does not wait for the disk
(roles/prosody/README.md, Storage and "Bigger servers")."""

import os
import secrets
import shlex

from conftest import HOST, PROJECT, run_playbook
from conftest_helpers import sqlite_account_rows, sqlite_journal_mode
from xmpp_client import can_login

# The role's default prosody_sql_database ("prosody") in Prosody's data directory.
DATABASE = "/var/lib/prosody/prosody"


def test_the_database_is_in_wal_mode_through_luasqlite3(host):
    assert host.package("lua-lsqlite3").is_installed
    config = host.file("/etc/prosody/prosody.cfg.lua").content_string
    assert 'sqlite_tune = "normal"' in config
    database = host.file(DATABASE)
    assert database.user == "prosody"
    assert database.mode & 0o007 == 0
    assert sqlite_journal_mode(host, DATABASE) == "wal"
    # The write-ahead log exists while Prosody holds the database open, owned by Prosody.
    assert host.file(DATABASE + "-wal").user == "prosody"


def test_accounts_live_in_the_database(host, accounts):
    jid = accounts("stored")
    node, domain = jid.split("@")
    created = host.run("prosodyctl shell user create %s %s" % (jid, "pw-" + node))
    assert created.rc == 0, created.stdout + created.stderr
    # As the prosody user, read-only: Prosody keeps the WAL files open meanwhile.
    assert sqlite_account_rows(host, DATABASE, node, domain)[1] > 0
    assert not host.file("/var/lib/prosody/%s/accounts" % domain.replace(".", "%2e")).exists


# Backup and restore of the live SQLite3 database: backup.yml (a repository at a path on the host),
# then the XMPP host's part of restore.yml (tasks/restore_prosody_data.yml) with the data check of
# restore.yml before it. restore.yml as a whole (site.yml, the controller's part, PostgreSQL) runs
# in the backup scenario, whose XMPP host stores in PostgreSQL.
SNAPSHOTS = "/var/backups/xmpp-stack-prosody-sqlite"
RESTORE_XMPP_PART = """
- name: The XMPP host's part of restore.yml, onto a host that holds data (restore_overwrite)
  hosts: xmpp_servers
  become: true
  gather_facts: false
  vars_files: [{playbooks}/vars/wiring.yml, {playbooks}/vars/backup.yml]
  tasks:
    - name: Find what the host holds
      ansible.builtin.import_tasks: {playbooks}/tasks/restore_holds_data.yml
    - name: Restore Prosody's data
      ansible.builtin.import_tasks: {playbooks}/tasks/restore_prosody_data.yml
    - name: Start Prosody again (restore_postgres.yml's last play)
      ansible.builtin.systemd_service:
        name: prosody
        state: started
"""


def test_backup_keeps_a_consistent_copy_and_restore_puts_it_back(host, accounts, address, cafile):
    kept, lost = accounts("kept"), accounts("lost")
    passwords = {jid: "pw-" + secrets.token_hex(6) for jid in (kept, lost)}
    made = host.run("prosodyctl shell user create %s %s" % (kept, shlex.quote(passwords[kept])))
    assert made.rc == 0, made.stdout + made.stderr
    # A repository of this run's own (a later verify of the same host brings another password).
    repository = "/var/backups/xmpp-stack-test-repository-" + secrets.token_hex(4)
    settings = {"xmpp_stack_backup_repository": repository, "backup_now": True,
                # quotes and $ as an admin's vault may hold them
                "xmpp_stack_backup_password": "repo-'$\"-" + secrets.token_urlsafe(18)}
    code, output, _results = run_playbook(path=os.path.join(PROJECT, "playbooks", "backup.yml"),
                                          json_output=False, extra_vars=settings)
    assert code == 0, output[-3000:]
    assert settings["xmpp_stack_backup_password"] not in output

    # The snapshot holds the copy that VACUUM INTO made, not the live file or its WAL.
    listing = host.run("xmpp-stack-restic ls latest --host %s --tag xmpp-stack" % HOST)
    assert listing.rc == 0, listing.stderr
    paths = listing.stdout.split()
    assert SNAPSHOTS + "/prosody" in paths
    assert "/var/lib/prosody" in paths
    assert not {DATABASE, DATABASE + "-wal", DATABASE + "-shm", DATABASE + "-journal"} & set(paths)
    # Read back from the repository on its own, without a -wal beside it: a whole database that
    # holds the account made just before the backup.
    dumped = host.run("xmpp-stack-restic dump latest --host %s --tag xmpp-stack %s/prosody "
                      "> /tmp/dumped.sqlite && chown prosody /tmp/dumped.sqlite" % (HOST, SNAPSHOTS))
    assert dumped.rc == 0, dumped.stderr
    node, domain = kept.split("@")
    # The copy keeps the live file's WAL mode (VACUUM INTO alone writes a rollback journal).
    assert sqlite_journal_mode(host, "/tmp/dumped.sqlite") == "wal"
    integrity, rows = sqlite_account_rows(host, "/tmp/dumped.sqlite", node, domain)
    assert (integrity, rows > 0) == ("ok", True)
    # The job's working copies are gone once the repository holds them.
    assert host.file(SNAPSHOTS).is_directory
    assert not host.file(SNAPSHOTS + "/prosody").exists
    host.run("rm -f /tmp/dumped.sqlite /tmp/dumped.sqlite-wal /tmp/dumped.sqlite-shm")

    # An account made after the backup, then the restore: the snapshot's data comes back, the
    # replaced directory is kept aside, and Prosody runs in WAL mode on the restored file.
    made = host.run("prosodyctl shell user create %s %s" % (lost, shlex.quote(passwords[lost])))
    assert made.rc == 0, made.stdout + made.stderr
    assert can_login(lost, passwords[lost], address, cafile)
    playbooks = os.path.join(PROJECT, "playbooks")
    code, output, _results = run_playbook(RESTORE_XMPP_PART.format(playbooks=playbooks), json_output=False,
                                          extra_vars=settings)
    assert code == 0, output[-3000:]
    assert host.service("prosody").is_running
    assert can_login(kept, passwords[kept], address, cafile)
    assert not can_login(lost, passwords[lost], address, cafile)
    # The copy is Prosody's, in WAL mode (the backup job kept the live file's mode).
    assert host.file(DATABASE).user == "prosody"
    assert host.file(DATABASE).mode == 0o640
    assert sqlite_journal_mode(host, DATABASE) == "wal"
    assert not host.file(SNAPSHOTS + "/prosody").exists, "moved into place, not left twice"
    replaced = host.run("ls -d /var/lib/prosody.replaced-*")
    assert replaced.rc == 0 and replaced.stdout.strip(), "the replaced data directory is kept aside"
    assert host.file(replaced.stdout.split()[-1] + "/prosody").exists
    # Leave the host as the later tests expect it: no test repository, no replaced directory.
    cleaned = host.run("rm -rf %s /var/lib/prosody.replaced-*" % repository)
    assert cleaned.rc == 0, cleaned.stderr
