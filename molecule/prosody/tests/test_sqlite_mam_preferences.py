"""Archive preferences on SQLite3 with mod_mam_prefs_cache (shipped by the prosody role, loaded
with mam when the storage is SQL).

Prosody 13's mod_mam reads an account's archive preferences from the store for every message it
archives unless the account has stored some; on SQLite3 each read is a read transaction on
Prosody's one thread (issue 20: 7 % of its CPU at 10,000 sessions). SQLite has no statement log,
so the test counts, inside the running Prosody, what its SQL connection is asked: the reads of
store archive_prefs and the inserts into prosodyarchive, with the module, without it (unloaded:
plain Prosody) and with it loaded again while the accounts are online. On prosody-bookworm (SQLite3
through LuaDBI); the postgres-prosody scenario proves the same on PostgreSQL with its statement log.
"""
import asyncio
import re

import pytest
from conftest import DOMAINS, server_of
from conftest_helpers import create_accounts, prosody_shell
from mam_prefs_cache import (MESSAGES, RECEIVER, SENDER, assert_stored_never_is_what_a_new_session_keeps, burst,
                             with_without_with)
from xmpp_client import run, session

HOST = "prosody-bookworm"
DOMAIN = DOMAINS[HOST]

# Wraps select and insert of every SQL connection Prosody holds (the table mod_storage_sql shares
# between hosts) to count what they are asked; the originals are kept beside them and put back.
COUNT = (
    '>local c = {prefs = 0, archived = 0}; prosody.xmpp_stack_sql_counts = c; '
    'local m = prosody.hosts["%s"].modules.mam.module; local n = 0; '
    'for _, e in pairs(m:shared("/*/sql/connections")) do n = n + 1; '
    'local select_, insert_ = e.select, e.insert; e.xmpp_stack_select, e.xmpp_stack_insert = select_, insert_; '
    'e.select = function (self, sql, ...) for i = 1, select("#", ...) do '
    'if select(i, ...) == "archive_prefs" then c.prefs = c.prefs + 1 end end return select_(self, sql, ...) end; '
    'e.insert = function (self, sql, ...) if sql:find("prosodyarchive", 1, true) then '
    'c.archived = c.archived + 1 end return insert_(self, sql, ...) end end; print("wrapped " .. n)' % DOMAIN)
READ = '>local c = prosody.xmpp_stack_sql_counts; print("counts " .. c.prefs .. " " .. c.archived)'
UNWRAP = (
    '>local m = prosody.hosts["%s"].modules.mam.module; '
    'for _, e in pairs(m:shared("/*/sql/connections")) do if e.xmpp_stack_select then '
    'e.select, e.insert = e.xmpp_stack_select, e.xmpp_stack_insert; '
    'e.xmpp_stack_select, e.xmpp_stack_insert = nil, nil end end; '
    'prosody.xmpp_stack_sql_counts = nil; print("unwrapped")' % DOMAIN)


def counts():
    out = prosody_shell(HOST, [READ])
    assert "counts " in out, out
    prefs, archived = out.split("counts ", 1)[1].split()[:2]
    return int(prefs), int(archived)


@pytest.fixture(scope="module")
def server():
    return server_of(HOST)


def test_online_accounts_cost_no_preference_reads_and_plain_mod_mam_does(server):
    # A sender whose name is not lower-case ASCII: Prosody keeps the session under the nodeprepped
    # name, and so must the module.
    users = create_accounts(HOST, DOMAIN, [SENDER, RECEIVER])
    sender, receiver = users[SENDER], users[RECEIVER]

    async def go():
        async with session(server, *sender) as tx, session(server, *receiver) as rx:
            got = []
            rx.add_event_handler("message", lambda m: m["body"] and got.append(m["body"]))

            async def calls(tag):
                """(reads of archive_prefs, inserts into the archive) while the burst was delivered."""
                before, after = await burst(tx, got, receiver[0], tag, counts)
                return after[0] - before[0], after[1] - before[1]

            out = await asyncio.to_thread(prosody_shell, HOST, [COUNT])
            assert re.search(r"wrapped [1-9]", out), out
            try:
                kept, plain, again = await with_without_with(calls, HOST, DOMAIN)
            finally:
                unwrapped = await asyncio.to_thread(prosody_shell, HOST, [UNWRAP])
            assert "unwrapped" in unwrapped, unwrapped
            return kept, plain, again

    kept, plain, again = run(go(), timeout=180)
    # Each message is archived twice (the sender's and the receiver's archive) in every phase,
    # and plain mod_mam reads the preferences before each copy.
    assert [phase[1] for phase in (kept, plain, again)] == [2 * MESSAGES] * 3, (kept, plain, again)
    assert kept[0] == 0 and again[0] == 0 and plain[0] >= 2 * MESSAGES, (kept, plain, again)


def test_stored_never_is_what_a_new_session_keeps(server):
    assert_stored_never_is_what_a_new_session_keeps(server, HOST, DOMAIN)
