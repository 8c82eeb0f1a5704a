"""A new XMPP client redeeming an invitation in-band, as Prosody 13 accepts it (slixmpp).

On the unauthenticated stream (after STARTTLS) the client sends the invitation's token as a
XEP-0401 pre-authentication (``<preauth xmlns='urn:xmpp:pars:0' token='…'/>``, what
mod_invites_register reads), then registers with XEP-0077 and logs in with the new credentials.
For a reset invitation the same registration of an existing name sets its new password.
"""

import asyncio
import ssl
import xml.etree.ElementTree as ET

import slixmpp

TIMEOUT = 30


async def _redeem(jid, password, token, address, cafile):
    xmpp = slixmpp.ClientXMPP(jid, password, sasl_mech="SCRAM-SHA-256")
    xmpp.register_plugin("xep_0030")
    xmpp.register_plugin("xep_0077")
    xmpp.plugin["xep_0077"].force_registration = True
    xmpp.ssl_context = ssl.create_default_context(cafile=cafile)
    xmpp.enable_direct_tls = False
    xmpp.enable_plaintext = False
    outcome = asyncio.get_running_loop().create_future()

    def settle(value):
        if not outcome.done():
            outcome.set_result(value)

    async def register(_form):
        preauth = xmpp.make_iq_set()
        preauth.append(ET.Element("{urn:xmpp:pars:0}preauth", token=token))
        # slixmpp holds back stanzas before a session except bind/session/register ones; the
        # pre-authentication belongs to the unauthenticated stream too (XEP-0401).
        xmpp._always_send_everything = True
        try:
            await preauth.send()
        except slixmpp.exceptions.IqError as err:
            settle("preauth:" + err.iq["error"]["condition"])
            xmpp.disconnect()
            return
        finally:
            xmpp._always_send_everything = False
        iq = xmpp.make_iq_set()
        iq["register"]["username"] = jid.split("@")[0]
        iq["register"]["password"] = password
        try:
            await iq.send()
        except slixmpp.exceptions.IqError as err:
            settle("register:" + err.iq["error"]["condition"])
            xmpp.disconnect()

    xmpp.add_event_handler("register", register)
    xmpp.add_event_handler("session_start", lambda _: settle("logged-in"))
    xmpp.add_event_handler("failed_all_auth", lambda _: settle("auth-failed"))
    xmpp.add_event_handler("disconnected", lambda _: settle("disconnected"))
    xmpp.connect(address, 5222)
    try:
        return await asyncio.wait_for(outcome, TIMEOUT)
    finally:
        xmpp.disconnect()


def redeem(jid, password, token, address, cafile):
    """'logged-in' when the token was accepted, the account registered (or its password reset) and
    the new credentials logged in; otherwise where it stopped: 'preauth:forbidden',
    'register:not-acceptable', 'register:conflict', ..."""
    return asyncio.run(_redeem(jid, password, token, address, cafile))


async def _roster(jid, password, address, cafile):
    xmpp = slixmpp.ClientXMPP(jid, password, sasl_mech="SCRAM-SHA-256")
    xmpp.ssl_context = ssl.create_default_context(cafile=cafile)
    xmpp.enable_direct_tls = False
    xmpp.enable_plaintext = False
    started = asyncio.get_running_loop().create_future()
    xmpp.add_event_handler("session_start", lambda _: started.done() or started.set_result(True))
    xmpp.add_event_handler("failed_all_auth", lambda _: started.done() or started.set_result(False))
    xmpp.connect(address, 5222)
    try:
        if not await asyncio.wait_for(started, TIMEOUT):
            raise RuntimeError("%s could not log in" % jid)
        await xmpp.get_roster()
        roster = xmpp.client_roster
        return {str(item): roster[item]["subscription"] for item in roster}
    finally:
        xmpp.disconnect()


def roster(jid, password, address, cafile):
    """{contact JID: subscription} of the account's roster, as the server sends it."""
    return asyncio.run(_roster(jid, password, address, cafile))
