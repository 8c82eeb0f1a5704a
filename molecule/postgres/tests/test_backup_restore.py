"""The backup job dumps on a timer, keeps the newest dumps, and the restore playbook brings data back."""

import time

from conftest import DATABASE, ROLE, admin_sql, ansible_playbook

testinfra_hosts = ["postgres-db"]

BACKUP_DIR = "/var/backups/postgresql"
KEEP = 2  # postgres_backup_keep in converge.yml


def run_backup(host):
    result = host.run("systemctl start xmpp-stack-pg-backup.service")
    assert result.rc == 0, result.stderr
    # Dump names carry a one-second time stamp: wait so the next dump gets its own name.
    time.sleep(1.1)


def dumps(host):
    listing = host.run(f"ls -1 {BACKUP_DIR}").stdout.split()
    return sorted(name for name in listing if name.endswith(".pgc"))


def probe_value(host):
    return admin_sql(host, "SELECT value FROM restore_probe", database=DATABASE)


def test_timer_is_scheduled(host):
    timer = host.service("xmpp-stack-pg-backup.timer")
    assert timer.is_enabled
    assert timer.is_running
    assert host.run("systemctl show -P NextElapseUSecRealtime xmpp-stack-pg-backup.timer").stdout.strip()


def test_backup_directory_belongs_to_postgres_only(host):
    directory = host.file(BACKUP_DIR)
    assert directory.user == "postgres"
    assert directory.mode == 0o700


def test_backups_are_restorable_dumps_and_only_the_newest_are_kept(host):
    for _unused in range(KEEP + 1):
        run_backup(host)
    names = dumps(host)
    assert len(names) == KEEP
    assert all(name.startswith(f"{DATABASE}-") for name in names)
    listing = host.run(f"runuser -u postgres -- pg_restore --list {BACKUP_DIR}/{names[-1]}")
    assert listing.rc == 0, listing.stderr


def test_restore_playbook_brings_back_the_dumped_data(host):
    admin_sql(
        host,
        "DROP TABLE IF EXISTS restore_probe; CREATE TABLE restore_probe (value text); "
        f"ALTER TABLE restore_probe OWNER TO {ROLE}; INSERT INTO restore_probe VALUES ('dumped')",
        database=DATABASE,
    )
    run_backup(host)
    admin_sql(host, "UPDATE restore_probe SET value = 'lost after the dump'", database=DATABASE)

    result = ansible_playbook("playbooks/restore_postgres.yml", "-e", "restore_postgres_db_hosts=postgres-db")
    assert result.returncode == 0, result.stdout[-3000:]

    assert probe_value(host) == "dumped"
    owner = admin_sql(host, "SELECT tableowner FROM pg_tables WHERE tablename = 'restore_probe'", database=DATABASE)
    assert owner == ROLE
