"""Prosody's data moves from files to PostgreSQL and survives restarts and re-runs.

The steps run in order and build on each other: accounts (our prosody_user module), a client
fills internal storage, migrate_to_sql.yml moves it (run from the inventory without db_servers,
toward the database as one the site already runs), the client and psql find every item, then
Prosody is restarted and site.yml re-run from the scenario's own inventory (db_servers, wired).
"""

from conftest import (DB_HOST, DOMAIN, EXTERNAL_INVENTORY, PROJECT, ROOM, SCENARIO, XMPP_HOST, admin_sql,
                      run_playbook, task_results)
from xmpp_client import make_history, message_between_servers, stored_view

CHAT = [f"stored message {n}" for n in range(3)]
ROOM_SAYS = [f"room message {n}" for n in range(2)]
LATER = "written on SQL, before the restart"


def counts(report, task_name):
    """What prosody_info counted in one task of the playbook (the storage it read included)."""
    result = task_results(report, task_name)[0]
    return dict(result["counts"], storage=result["storage"])


def test_accounts_come_from_the_user_module(accounts):
    _unused, users_file = accounts
    report = run_playbook(PROJECT / "playbooks/users.yml", "-e", f"@{users_file}",
                          "-e", "xmpp_users_target=xmpp_servers")
    assert report["stats"][XMPP_HOST]["changed"] == 1


def test_client_fills_internal_storage(xmpp_host, server, accounts):
    users, _unused = accounts
    make_history(server, users["alice"], users["bob"], ROOM, CHAT, ROOM_SAYS)
    data = "/var/lib/prosody/example%2etest"
    assert xmpp_host.file(f"{data}/archive/alice.list").exists
    assert xmpp_host.file(f"{data}/roster/alice.dat").exists
    assert xmpp_host.file("/var/lib/prosody/conference%2eexample%2etest/persistent.dat").exists


def test_migration_keeps_every_item(accounts):
    report = run_playbook(PROJECT / "playbooks/migrate_to_sql.yml", inventory=EXTERNAL_INVENTORY)
    assert DB_HOST not in report["stats"]
    before = counts(report, "Ask the running Prosody which storage it uses and count what it keeps there")
    after = counts(report, "Count the data in SQL storage")
    assert before.pop("storage") == "internal" and after.pop("storage") == "sql"
    assert before["accounts"] == 2
    assert before["roster_items"] == 1
    assert before["archived_messages"] == 2 * len(CHAT)  # alice's sent and bob's received copies
    assert before["rooms"] == 1
    assert before["room_messages"] >= len(ROOM_SAYS)
    assert after == before


def test_prosody_now_runs_on_sql(xmpp_host):
    answer = xmpp_host.run('prosodyctl shell "> return require\\"prosody.core.configmanager\\".get(\\"*\\", \\"storage\\")"')
    assert "Result: sql" in answer.stdout


def test_client_sees_its_data_after_the_migration(server, accounts):
    users, _unused = accounts
    seen = stored_view(server, users["alice"], ROOM)
    assert seen["roster"] == {users["bob"][0]}
    assert seen["archive"] == CHAT
    assert [body for body in seen["room_archive"] if body] == ROOM_SAYS
    assert seen["persistent"]


def test_the_data_lives_in_postgresql(db_host):
    accounts = ("SELECT count(DISTINCT \"user\") FROM prosody "
                f"WHERE host = '{DOMAIN}' AND store = 'accounts'")
    archive = f"SELECT count(*) FROM prosodyarchive WHERE host = '{DOMAIN}' AND store = 'archive'"
    rooms = f"SELECT key FROM prosody WHERE host = 'conference.{DOMAIN}' AND store = 'persistent'"
    assert admin_sql(db_host, accounts) == "2"
    assert admin_sql(db_host, archive) == str(2 * len(CHAT))
    assert admin_sql(db_host, rooms) == ROOM
    assert admin_sql(db_host, "SELECT tableowner FROM pg_tables WHERE tablename = 'prosodyarchive'") == "prosody"


def test_database_password_is_readable_only_by_prosody(xmpp_host, db_password):
    holders = xmpp_host.run(f"grep -rlF -- {db_password} /etc/prosody").stdout.split()
    assert holders, "Prosody must get the password from somewhere under /etc/prosody"
    for path in holders:
        found = xmpp_host.file(path)
        assert found.mode & 0o007 == 0, path
        assert found.group == "prosody", path


def test_restart_and_rerun_keep_everything(xmpp_host, server, accounts):
    users, _unused = accounts
    assert message_between_servers(server, users["alice"], server, users["bob"], LATER) == users["alice"][0]
    assert xmpp_host.run("systemctl restart prosody").rc == 0
    # site.yml from the scenario's inventory (the database in db_servers, its address and the
    # password wired) gives Prosody exactly what the external inventory gave it: nothing changes.
    report = run_playbook(SCENARIO / "converge.yml", "-e", "prosody_storage=sql")
    assert report["stats"][XMPP_HOST]["changed"] == 0
    assert report["stats"][DB_HOST]["changed"] == 0
    seen = stored_view(server, users["alice"], ROOM)
    assert seen["roster"] == {users["bob"][0]}
    assert seen["archive"] == CHAT + [LATER]
    assert [body for body in seen["room_archive"] if body] == ROOM_SAYS
    assert seen["persistent"]


def test_second_migration_run_changes_nothing():
    report = run_playbook(PROJECT / "playbooks/migrate_to_sql.yml", inventory=EXTERNAL_INVENTORY)
    assert report["stats"][XMPP_HOST]["changed"] == 0
    assert not task_results(report, "Copy every store from the files to SQL")
