"""Archive preferences on PostgreSQL with mod_mam_prefs_cache (shipped by the prosody role).

Runs after test_sql_storage.py, with Prosody on SQL. Prosody 13's mod_mam reads an account's
archive preferences from the store for every message it archives unless the account has stored
some (issue 20: five of about eight database round trips per archived copy). The role's module
keeps them in memory for online accounts. Proved here on the real server: PostgreSQL's statement
log counts the reads of store archive_prefs with the module, without it (unloaded: plain Prosody) and
with it loaded again while the accounts are online; and what mod_mam archives for an account that
stored never.
"""
import asyncio
import contextlib
import shlex

from conftest import DOMAIN, XMPP_HOST, admin_sql
from conftest_helpers import create_accounts, prosody_shell
from mam_prefs_cache import (MESSAGES, RECEIVER, SENDER, assert_stored_never_is_what_a_new_session_keeps, burst,
                             with_without_with)
from xmpp_client import run, session


@contextlib.contextmanager
def statement_log(db_host):
    """Every statement logged while the block runs (log_statement = all, applied by a reload to
    Prosody's open connection too); reset afterwards."""
    admin_sql(db_host, "ALTER SYSTEM SET log_statement = 'all'")
    admin_sql(db_host, "SELECT pg_reload_conf()")
    try:
        yield
    finally:
        admin_sql(db_host, "ALTER SYSTEM RESET log_statement")
        admin_sql(db_host, "SELECT pg_reload_conf()")


def pg_log(db_host):
    """Debian's log file of the main cluster (its name carries the major version)."""
    return db_host.check_output("ls /var/log/postgresql/postgresql-*-main.log")


def log_size(db_host, log):
    return int(db_host.check_output(f"stat -c %s {shlex.quote(log)}"))


def log_since(db_host, log, offset):
    return db_host.check_output(f"tail -c +{offset + 1} {shlex.quote(log)}")


def test_online_accounts_cost_no_preference_reads_and_plain_mod_mam_does(db_host, server):
    # The sender as a real user may write it: Prosody keeps the session under the nodeprepped name,
    # and so must the module.
    users = create_accounts(XMPP_HOST, DOMAIN, [SENDER, RECEIVER])
    sender, receiver = users[SENDER], users[RECEIVER]
    log = pg_log(db_host)

    def measure():
        return log_size(db_host, log)

    async def go():
        async with session(server, *sender) as tx, session(server, *receiver) as rx:
            got = []
            rx.add_event_handler("message", lambda m: m["body"] and got.append(m["body"]))

            async def statements(tag):
                """The statements Prosody sent while it archived and delivered the burst: PostgreSQL
                logs a statement when it starts it."""
                offset, _end = await burst(tx, got, receiver[0], tag, measure)
                return await asyncio.to_thread(log_since, db_host, log, offset)

            # Logging starts after both logins, so no credential row is read into the log.
            with statement_log(db_host):
                kept, plain, again = await with_without_with(statements, XMPP_HOST, DOMAIN)
            return kept, plain, again

    kept, plain, again = run(go(), timeout=180)
    reads = [statements.count("'archive_prefs'") for statements in (kept, plain, again)]
    archived = [statements.count('INSERT INTO "prosodyarchive"') for statements in (kept, plain, again)]
    # Each message is archived twice (the sender's and the receiver's archive) in every phase,
    # and plain mod_mam reads the preferences before each copy.
    assert archived == [2 * MESSAGES] * 3, archived
    assert reads[0] == 0 and reads[2] == 0 and reads[1] >= 2 * MESSAGES, reads
    assert not any("'accounts'" in statements for statements in (kept, plain, again))


def test_stored_never_is_what_a_new_session_keeps(server):
    assert_stored_never_is_what_a_new_session_keeps(server, XMPP_HOST, DOMAIN)


def test_a_reload_of_mod_mam_with_a_new_default_reaches_online_accounts(server):
    account = create_accounts(XMPP_HOST, DOMAIN, ["prefs-reload"])["prefs-reload"]

    def set_default_and_reload_mam(policy):
        # What an admin's configuration change and module:reload("mam") do, without a restart.
        return prosody_shell(XMPP_HOST, [
            f'>require"prosody.core.configmanager".set("{DOMAIN}", "default_archive_policy", {policy}) print("set")',
            f'module:reload("mam", "{DOMAIN}")',
            f'>print("default " .. tostring(prosody.hosts["{DOMAIN}"].sessions["prefs-reload"].archive_prefs[false]))'])

    async def go():
        async with session(server, *account):
            try:
                changed = await asyncio.to_thread(set_default_and_reload_mam, '"never"')
            finally:
                restored = await asyncio.to_thread(set_default_and_reload_mam, "nil")
            return changed, restored

    changed, restored = run(go(), timeout=60)
    assert "default false" in changed, changed
    assert "default true" in restored, restored
