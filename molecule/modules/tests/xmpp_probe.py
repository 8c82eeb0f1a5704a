"""A real XMPP client (slixmpp) for the modules scenario: logins and disco#info queries.

Every call opens its own c2s connection over STARTTLS, verifying the server's certificate
against the test certificate fetched in prepare, and authenticates with SCRAM-SHA-256 only,
so a successful login proves the SCRAM credentials the modules wrote.
"""

import asyncio
import ssl

import slixmpp

TIMEOUT = 20


class ProbeError(RuntimeError):
    """The client could not reach a verdict (connection or protocol failure)."""


async def _session(jid, password, address, cafile, action=None):
    xmpp = slixmpp.ClientXMPP(jid, password, sasl_mech="SCRAM-SHA-256")
    xmpp.register_plugin("xep_0030")
    xmpp.register_plugin("xep_0128")  # data forms inside disco#info (muc#roominfo)
    xmpp.register_plugin("xep_0045")
    xmpp.ssl_context = ssl.create_default_context(cafile=cafile)
    xmpp.enable_direct_tls = False
    xmpp.enable_plaintext = False
    verdict = asyncio.get_running_loop().create_future()

    def settle(value):
        if not verdict.done():
            verdict.set_result(value)

    xmpp.add_event_handler("session_start", lambda _event: settle(True))
    xmpp.add_event_handler("failed_all_auth", lambda _event: settle(False))
    xmpp.add_event_handler("connection_failed", lambda event: settle(ProbeError(str(event))))
    xmpp.connect(address, 5222)
    try:
        outcome = await asyncio.wait_for(verdict, TIMEOUT)
        if isinstance(outcome, Exception):
            raise outcome
        if outcome and action is not None:
            outcome = await action(xmpp)
        return outcome
    finally:
        xmpp.disconnect()
        await asyncio.sleep(0.2)


def can_login(jid, password, address, cafile):
    """True when the server accepts the password over SCRAM-SHA-256, False when it refuses it."""
    return asyncio.run(_session(jid, password, address, cafile))


def disco_info(jid, password, address, cafile, target):
    """Log in and return (identities, features, form fields) of ``target``'s disco#info."""
    async def query(xmpp):
        iq = await xmpp["xep_0030"].get_info(jid=target, timeout=TIMEOUT)
        info = iq["disco_info"]
        fields = dict(info["form"]["values"]) if info.xml.find("{jabber:x:data}x") is not None else {}
        return list(info["identities"]), set(info["features"]), fields

    result = asyncio.run(_session(jid, password, address, cafile, query))
    if result is False:
        raise ProbeError("%s could not log in to query %s" % (jid, target))
    return result


def join_room(jid, password, address, cafile, room, nick):
    """Log in and join ``room`` as a client would; return (the room's bare JID as the room
    answered, the affiliation the room gives this client, the real JID the room sees)."""
    async def join(xmpp):
        presence = (await xmpp["xep_0045"].join_muc_wait(slixmpp.JID(room), nick, timeout=TIMEOUT))[0]
        item = presence["muc"]
        return presence["from"].bare, item["affiliation"], xmpp.boundjid.bare

    result = asyncio.run(_session(jid, password, address, cafile, join))
    if result is False:
        raise ProbeError("%s could not log in to join %s" % (jid, room))
    return result
