"""Real XMPP client actions of the SQL storage tests: slixmpp from the controller to the test host.

Each function opens its own sessions (STARTTLS, certificate checked against the scenario CA) and
returns what the server answered; nothing here stands in for the server.
"""
import asyncio

from xmpp_client import TIMEOUT, run, session

PERSISTENT = "muc#roomconfig_persistentroom"


def fill(server, alice, bob, room, chat_bodies, room_bodies):
    """alice puts bob on her roster, sends him chat_bodies (he receives them), creates the
    persistent room and says room_bodies in it."""
    async def go():
        async with session(server, *alice) as a, session(server, *bob) as b:
            await a.update_roster(bob[0], name="Bob")
            last = asyncio.get_running_loop().create_future()
            b.add_event_handler("message", lambda m: m["body"] == chat_bodies[-1]
                                and not last.done() and last.set_result(True))
            for body in chat_bodies:
                a.send_message(mto=bob[0], mbody=body, mtype="chat")
            await last  # bob got them all, so the server archived them all
            await a["xep_0045"].join_muc_wait(room, "alice", maxstanzas=0, timeout=TIMEOUT)
            form = await a["xep_0045"].get_room_config(room)
            form.get_fields()[PERSISTENT]["value"] = True
            await a["xep_0045"].set_room_config(room, form)
            echoed = asyncio.get_running_loop().create_future()
            a.add_event_handler("groupchat_message", lambda m: m["body"] == room_bodies[-1]
                                and not echoed.done() and echoed.set_result(True))
            for body in room_bodies:
                a.send_message(mto=room, mbody=body, mtype="groupchat")
            await echoed
    run(go(), TIMEOUT * 3)


def send_chat(server, sender, receiver, body):
    """One more chat message, received by the receiver."""
    async def go():
        async with session(server, *sender) as s, session(server, *receiver) as r:
            got = asyncio.get_running_loop().create_future()
            r.add_event_handler("message", lambda m: m["body"] == body and not got.done()
                                and got.set_result(True))
            s.send_message(mto=receiver[0], mbody=body, mtype="chat")
            await got
    run(go(), TIMEOUT * 3)


async def _archive(xmpp, jid=None):
    holder = {}
    # The plugin hands the collected results to the callback with the final reply.
    await xmpp["xep_0313"].retrieve(jid=jid, callback=lambda iq: holder.update(iq=iq))
    return [r["mam_result"]["forwarded"]["stanza"]["body"] for r in holder["iq"]["mam"]["results"]]


def what_alice_sees(server, alice, room):
    """alice's roster JIDs, her archive's bodies, the room's archive and whether it is persistent."""
    async def go():
        async with session(server, *alice) as a:
            roster = {str(contact) for contact in a.client_roster.keys()} - {a.boundjid.bare}
            bodies = await _archive(a)
            await a["xep_0045"].join_muc_wait(room, "alice", maxstanzas=0, timeout=TIMEOUT)
            room_bodies = await _archive(a, jid=room)
            form = await a["xep_0045"].get_room_config(room)
            persistent = form.get_fields()[PERSISTENT]["value"]
            return {"roster": roster, "archive": bodies, "room_archive": room_bodies,
                    "persistent": bool(persistent)}
    return run(go(), TIMEOUT * 3)
