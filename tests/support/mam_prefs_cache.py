"""The steps both proofs of mod_mam_prefs_cache share (postgres-prosody on PostgreSQL, prosody on
SQLite3): a burst of chats between two online accounts, the module unloaded and loaded again while
they stay online, and what a new session keeps for an account that stored `never`. What is counted
during a burst (PostgreSQL's statement log, or the calls of Prosody's SQL connection) is the
caller's."""
import asyncio

from conftest_helpers import create_accounts, prosody_shell
from xmpp_client import mam_bodies, send_chat, set_archive_preference

MESSAGES = 20
# Prosody keeps a session under the nodeprepped name: the sender's account is Zoë-Prefs-TX.
SENDER, SENDER_NODE, RECEIVER = "Zoë-Prefs-TX", "zoë-prefs-tx", "prefs-rx"


async def burst(tx, got, receiver_jid, tag, measure):
    """Sends MESSAGES chats from the session tx to receiver_jid (whose bodies land in got) and
    waits until all arrived; returns (before, after), what measure() answered (run in a thread)
    before the first chat and after the last arrived. mod_mam archives before it delivers, so every
    archived copy is in the second answer."""
    before = await asyncio.to_thread(measure)
    for n in range(MESSAGES):
        tx.send_message(mto=receiver_jid, mbody=f"{tag} {n}", mtype="chat")
    for _wait in range(100):
        if sum(body.startswith(tag) for body in got) == MESSAGES:
            break
        await asyncio.sleep(0.2)
    assert sum(body.startswith(tag) for body in got) == MESSAGES, got
    return before, await asyncio.to_thread(measure)


def unload(container, domain):
    """Plain Prosody 13: unloaded, the module takes back the defaults it put in memory."""
    out = prosody_shell(container, [
        f'module:unload("mam_prefs_cache", "{domain}")',
        f'>print("field " .. tostring(prosody.hosts["{domain}"].sessions["{SENDER_NODE}"].archive_prefs))'])
    assert "field nil" in out, out


def load(container, domain):
    """Loaded again while the accounts are online: it fills the sessions already bound."""
    out = prosody_shell(container, [
        f'module:load("mam_prefs_cache", "{domain}")',
        f'>print("default " .. tostring(prosody.hosts["{domain}"].sessions["{SENDER_NODE}"].archive_prefs[false]))'])
    assert "default true" in out, out


async def with_without_with(phase, container, domain):
    """phase(tag) with the module, unloaded (plain Prosody 13), then loaded again while the accounts
    stay online; returns the three results. The module is loaded again whatever happened."""
    kept = await phase("kept")
    try:
        await asyncio.to_thread(unload, container, domain)
        plain = await phase("plain")
    finally:
        await asyncio.to_thread(load, container, domain)
    return kept, plain, await phase("again")


def assert_stored_never_is_what_a_new_session_keeps(server, container, domain):
    users = create_accounts(container, domain, ["prefs-never", "prefs-peer"])
    private, peer = users["prefs-never"], users["prefs-peer"]
    assert set_archive_preference(server, private, "never") == "never"
    # A new session: the module fills it from the store, and must not put the default there.
    send_chat(server, private, peer[0], "not in the sender's archive")
    assert mam_bodies(server, private) == []
    assert mam_bodies(server, peer) == ["not in the sender's archive"]
    assert set_archive_preference(server, private, "always") == "always"
    send_chat(server, private, peer[0], "in the sender's archive")
    assert mam_bodies(server, private) == ["in the sender's archive"]
