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
from xmpp_client import mam_bodies, run, send_chat, session, set_archive_preference

HOST = "prosody-bookworm"
DOMAIN = DOMAINS[HOST]
MESSAGES = 20

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
    # name (zoë-prefs-tx), and so must the module.
    users = create_accounts(HOST, DOMAIN, ["Zoë-Prefs-TX", "prefs-rx"])
    sender, receiver = users["Zoë-Prefs-TX"], users["prefs-rx"]

    async def go():
        async with session(server, *sender) as tx, session(server, *receiver) as rx:
            got = []
            rx.add_event_handler("message", lambda m: m["body"] and got.append(m["body"]))

            async def burst(tag):
                """(reads of archive_prefs, inserts into the archive) while MESSAGES were delivered."""
                before = await asyncio.to_thread(counts)
                for n in range(MESSAGES):
                    tx.send_message(mto=receiver[0], mbody=f"{tag} {n}", mtype="chat")
                for _wait in range(100):
                    if sum(body.startswith(tag) for body in got) == MESSAGES:
                        break
                    await asyncio.sleep(0.2)
                assert sum(body.startswith(tag) for body in got) == MESSAGES, got
                # mod_mam archives before it delivers: every read and insert of the burst is counted.
                after = await asyncio.to_thread(counts)
                return after[0] - before[0], after[1] - before[1]

            out = await asyncio.to_thread(prosody_shell, HOST, [COUNT])
            assert re.search(r"wrapped [1-9]", out), out
            try:
                kept = await burst("kept")
                # Plain Prosody 13: unloaded, the module takes back the defaults it put in memory.
                out = await asyncio.to_thread(prosody_shell, HOST, [
                    f'module:unload("mam_prefs_cache", "{DOMAIN}")',
                    f'>print("field " .. tostring(prosody.hosts["{DOMAIN}"].sessions["zoë-prefs-tx"].archive_prefs))'])
                try:
                    assert "field nil" in out, out
                    plain = await burst("plain")
                finally:
                    # Loaded again while both are online: it fills the sessions already bound.
                    out = await asyncio.to_thread(prosody_shell, HOST, [
                        f'module:load("mam_prefs_cache", "{DOMAIN}")',
                        f'>print("default " .. tostring(prosody.hosts["{DOMAIN}"].sessions["zoë-prefs-tx"].archive_prefs[false]))'])
                assert "default true" in out, out
                again = await burst("again")
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
    users = create_accounts(HOST, DOMAIN, ["prefs-never", "prefs-peer"])
    private, peer = users["prefs-never"], users["prefs-peer"]
    assert set_archive_preference(server, private, "never") == "never"
    # A new session: the module fills it from the store, and must not put the default there.
    send_chat(server, private, peer[0], "not in the sender's archive")
    assert mam_bodies(server, private) == []
    assert mam_bodies(server, peer) == ["not in the sender's archive"]
    assert set_archive_preference(server, private, "always") == "always"
    send_chat(server, private, peer[0], "in the sender's archive")
    assert mam_bodies(server, private) == ["in the sender's archive"]
