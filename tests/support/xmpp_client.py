"""A small synchronous XMPP test client on slixmpp, shared by the Molecule scenarios.

Every function opens real connections from the controller to a test host: it connects to the
host's IP address but speaks to the XMPP domain (SNI, certificate name, stream 'to'), trusting
only the scenario's CA file. Nothing here mocks a server.

    server = Server(address="172.18.0.2", domain="example.test", ca_file=".../ca.crt")
    result = login(server, "alice@example.test", password)            # STARTTLS on 5222
    result = login(server, "alice@example.test", password, direct_tls=True)   # XEP-0368 on 5223

A Server may name the one SASL mechanism the client offers (sasl_mechanism="SCRAM-SHA-256"), so a
login proves the credentials stored for that mechanism. The modules scenario calls its helpers
(can_login, disco_form, join_room, redeem, roster) with the host's address and CA file instead of
a Server: they log in with SCRAM-SHA-256 only.
"""
import asyncio
import base64
import contextlib
import http.client
import os
import socket
import ssl
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import slixmpp

TIMEOUT = 30
PLUGINS = ["xep_0030", "xep_0045", "xep_0059", "xep_0077", "xep_0128", "xep_0199", "xep_0280",
           "xep_0297", "xep_0313"]
# slixmpp's xep_0363 plugin needs aiohttp for its own upload: the slot is requested by hand here.
UPLOAD_NS = "urn:xmpp:http:upload:0"


@dataclass
class Server:
    address: str
    domain: str
    ca_file: str
    starttls_port: int = 5222
    direct_tls_port: int = 5223
    https_port: int = 5281
    # The one SASL mechanism to offer (None: slixmpp picks the best the server offers).
    sasl_mechanism: str = None


@dataclass
class LoginResult:
    jid: str
    mechanism: str
    offered_mechanisms: list
    starttls: bool
    stream_features: set = field(default_factory=set)


class LoginFailed(Exception):
    """The server refused the credentials (reason "auth") or the stream ended before a session
    ("disconnected")."""

    def __init__(self, jid, reason):
        super().__init__(f"{jid}: {reason}")
        self.reason = reason


def run(coro, timeout=TIMEOUT):
    """Runs a coroutine in an event loop of its own, so the helpers stay usable from plain
    pytest functions."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def _client(server, jid, password, direct_tls):
    xmpp = slixmpp.ClientXMPP(jid, password, sasl_mech=server.sasl_mechanism)
    for plugin in PLUGINS:
        xmpp.register_plugin(plugin)
    xmpp.ca_certs = server.ca_file
    # One transport per call, so a test proves the transport it asks for.
    xmpp.enable_direct_tls = direct_tls
    xmpp.enable_starttls = not direct_tls
    xmpp.enable_plaintext = False
    return xmpp


@contextlib.asynccontextmanager
async def session(server, jid, password, direct_tls=False, presence=True, port=None, alpn=None):
    """A logged-in slixmpp client (STARTTLS, or XEP-0368 direct TLS), with presence sent and the
    roster fetched unless presence=False; disconnected when the block ends. Raises LoginFailed.
    port: another port than the server's usual one for the transport; alpn: the ALPN ids a
    direct TLS client offers (XEP-0368 asks for xmpp-client)."""
    xmpp = _client(server, jid, password, direct_tls)
    if alpn:
        xmpp.ssl_context.set_alpn_protocols(alpn)
    started = asyncio.get_running_loop().create_future()

    def settle(outcome):
        if not started.done():
            started.set_result(outcome)

    xmpp.add_event_handler("session_start", lambda _: settle("ok"))
    xmpp.add_event_handler("failed_all_auth", lambda _: settle("auth"))
    xmpp.add_event_handler("disconnected", lambda _: settle("disconnected"))
    xmpp.offered_features = set()

    def record_features(stanza):
        # Every stream feature the server offered ({namespace}tag), negotiated or not.
        if isinstance(stanza, slixmpp.stanza.StreamFeatures):
            xmpp.offered_features.update(child.tag for child in stanza.xml)
        return stanza

    xmpp.add_filter("in", record_features)
    if port is None:
        port = server.direct_tls_port if direct_tls else server.starttls_port
    xmpp.connect(server.address, port)
    outcome = await started
    if outcome != "ok":
        xmpp.disconnect()
        raise LoginFailed(jid, outcome)
    if presence:
        xmpp.send_presence()
        await xmpp.get_roster()
    try:
        yield xmpp
    finally:
        xmpp.disconnect()
        await xmpp.disconnected


def login(server, jid, password, direct_tls=False):
    """Logs in and reports how: SASL mechanism used and offered, STARTTLS or direct TLS."""
    async def go():
        async with session(server, jid, password, direct_tls, presence=False) as xmpp:
            sasl = xmpp.plugin["feature_mechanisms"]
            return LoginResult(jid=str(xmpp.boundjid), mechanism=sasl.mech.name,
                               offered_mechanisms=sorted(sasl.mech_list),
                               starttls="starttls" in xmpp.features,
                               stream_features=set(xmpp.offered_features))
    return run(go())


def exchange_message(server, sender, receiver, body):
    """sender/receiver: (jid, password). Sends body from one resource of sender to receiver,
    with a second resource of sender that enabled carbons. Returns what receiver got and the
    carbon copy the second resource got."""
    async def go():
        loop = asyncio.get_running_loop()
        received, carbon = loop.create_future(), loop.create_future()
        async with session(server, *receiver) as rx, \
                session(server, *sender) as tx, session(server, *sender) as tx2:
            rx.add_event_handler("message", lambda m: m["body"] == body and not received.done()
                                 and received.set_result(m["body"]))
            tx2.add_event_handler("carbon_sent", lambda m: not carbon.done()
                                  and carbon.set_result(m["carbon_sent"]["body"]))
            await tx2.plugin["xep_0280"].enable()
            tx.send_message(mto=rx.boundjid, mbody=body, mtype="chat")
            return {"received": await received, "carbon": await carbon}
    return run(go())


async def _archive_bodies(xmpp, jid=None, with_jid=None):
    """Bodies of an archive (XEP-0313), oldest first: the account's own, or a room's (jid),
    optionally only the conversation with with_jid."""
    holder = {}
    # The plugin attaches the collected results to the reply it hands the callback.
    await xmpp.plugin["xep_0313"].retrieve(jid=jid, with_jid=with_jid, callback=lambda iq: holder.update(iq=iq))
    return [r["mam_result"]["forwarded"]["stanza"]["body"] for r in holder["iq"]["mam"]["results"]]


def mam_bodies(server, account, with_jid=None):
    """Bodies of the account's archive (XEP-0313), oldest first."""
    async def go():
        async with session(server, *account) as xmpp:
            return await _archive_bodies(xmpp, with_jid=with_jid)
    return run(go())


def disco_info(server, account, target=None):
    """(identities, features) of target (default: the account's domain)."""
    async def go():
        async with session(server, *account, presence=False) as xmpp:
            info = await xmpp.plugin["xep_0030"].get_info(jid=target or server.domain)
            return (set(info["disco_info"]["identities"]), set(info["disco_info"]["features"]))
    return run(go())


def contact_addresses(server, account):
    """XEP-0157: {field var: [values]} of the server's serverinfo form in disco#info."""
    async def go():
        async with session(server, *account, presence=False) as xmpp:
            info = await xmpp.plugin["xep_0030"].get_info(jid=server.domain)
            fields = {}
            for form in info.xml.iter("{jabber:x:data}x"):
                for fld in form.iter("{jabber:x:data}field"):
                    values = [v.text for v in fld.iter("{jabber:x:data}value")]
                    fields[fld.get("var")] = values
            return fields
    return run(go())


def message_between_servers(sender_server, sender, receiver_server, receiver, body):
    """Sends body from an account on one server to an account on another (s2s); returns what
    the receiver got."""
    async def go():
        received = asyncio.get_running_loop().create_future()
        async with session(receiver_server, *receiver) as rx, session(sender_server, *sender) as tx:
            rx.add_event_handler("message", lambda m: m["body"] == body and not received.done()
                                 and received.set_result(str(m["from"].bare)))
            tx.send_message(mto=receiver[0], mbody=body, mtype="chat")
            return await received
    return run(go())


def send_chat(server, sender, to, body):
    """Sends one chat message from sender (jid, password) to the JID `to` (bare or full)."""
    async def go():
        async with session(server, *sender) as xmpp:
            xmpp.send_message(mto=to, mbody=body, mtype="chat")
            # A ping round trip: the server has taken the message before the stream closes.
            await xmpp.plugin["xep_0199"].ping(jid=server.domain)
    run(go())


async def set_archive_default(xmpp, default):
    """Sets the account's archive default (XEP-0313 preferences: always, never or roster) and
    returns the default the server's reply states (the pinned slixmpp has no call for it)."""
    iq = xmpp.make_iq_set()
    iq.append(ET.Element("{urn:xmpp:mam:2}prefs", {"default": default}))
    reply = await iq.send()
    return reply.xml.find("{urn:xmpp:mam:2}prefs").get("default")


def set_archive_preference(server, account, default):
    """set_archive_default in a session of its own; returns the default the server states."""
    async def go():
        async with session(server, *account) as xmpp:
            return await set_archive_default(xmpp, default)
    return run(go())


def disco_items(server, account, target=None):
    """JIDs of the items of target (default: the account's domain)."""
    async def go():
        async with session(server, *account, presence=False) as xmpp:
            items = await xmpp.plugin["xep_0030"].get_items(jid=target or server.domain)
            return {str(item[0]) for item in items["disco_items"]["items"]}
    return run(go())


async def _say_in_room(xmpp, room, bodies):
    """Says bodies in room (joined); returns once the room echoed the last, which proves all of
    them are in its history."""
    echoed = asyncio.get_running_loop().create_future()
    xmpp.add_event_handler("groupchat_message", lambda m: m["body"] == bodies[-1]
                           and not echoed.done() and echoed.set_result(True))
    for body in bodies:
        xmpp.send_message(mto=room, mbody=body, mtype="groupchat")
    await echoed


def muc_history(server, speaker, listener, room, bodies):
    """speaker joins room and says bodies; listener joins afterwards. Returns the bodies of the
    history the room sent listener on join."""
    async def go():
        async with session(server, *speaker) as xmpp:
            await xmpp.plugin["xep_0045"].join_muc_wait(room, "speaker", maxstanzas=0, timeout=TIMEOUT)
            await _say_in_room(xmpp, room, bodies)
            # The speaker stays: a room that is not persistent ends when its last occupant leaves.
            async with session(server, *listener) as other:
                _unused, _unused, _unused, history = await other.plugin["xep_0045"].join_muc_wait(
                    room, "listener", maxstanzas=20, timeout=TIMEOUT)
                return [message["body"] for message in history]
    return run(go())


PERSISTENT = "muc#roomconfig_persistentroom"


def make_history(server, owner, contact, room, chat_bodies, room_bodies):
    """owner puts contact on their roster, sends them chat_bodies (the contact receives them, so
    the server archived them all), makes room persistent and says room_bodies in it."""
    async def go():
        async with session(server, *owner) as a, session(server, *contact) as b:
            await a.update_roster(contact[0], name=contact[0].split("@")[0].capitalize())
            last = asyncio.get_running_loop().create_future()
            b.add_event_handler("message", lambda m: m["body"] == chat_bodies[-1]
                                and not last.done() and last.set_result(True))
            for body in chat_bodies:
                a.send_message(mto=contact[0], mbody=body, mtype="chat")
            await last
            await a["xep_0045"].join_muc_wait(room, owner[0].split("@")[0], maxstanzas=0, timeout=TIMEOUT)
            form = await a["xep_0045"].get_room_config(room)
            form.get_fields()[PERSISTENT]["value"] = True
            await a["xep_0045"].set_room_config(room, form)
            await _say_in_room(a, room, room_bodies)
    run(go(), TIMEOUT * 3)


def stored_view(server, account, room):
    """What the account finds stored on a login: its roster's JIDs, its archive's bodies, the
    room's archive and whether the room is persistent."""
    async def go():
        async with session(server, *account) as a:
            roster = {str(contact) for contact in a.client_roster.keys()} - {a.boundjid.bare}
            bodies = await _archive_bodies(a)
            await a["xep_0045"].join_muc_wait(room, account[0].split("@")[0], maxstanzas=0, timeout=TIMEOUT)
            room_bodies = await _archive_bodies(a, jid=room)
            form = await a["xep_0045"].get_room_config(room)
            persistent = form.get_fields()[PERSISTENT]["value"]
            return {"roster": roster, "archive": bodies, "room_archive": room_bodies,
                    "persistent": bool(persistent)}
    return run(go(), TIMEOUT * 3)


def _scram_server(address, cafile, jid):
    """The modules scenario's form: the host's address and CA file, the JID's domain, and
    SCRAM-SHA-256 the only mechanism offered, so a login proves the SCRAM credentials the
    modules wrote."""
    return Server(address=address, domain=jid.split("@", 1)[1], ca_file=cafile, sasl_mechanism="SCRAM-SHA-256")


def can_login(jid, password, address, cafile):
    """True when the server accepts the password over SCRAM-SHA-256, False when it refuses it;
    anything else (stream ended, no connection) raises."""
    try:
        login(_scram_server(address, cafile, jid), jid, password)
    except LoginFailed as failed:
        if failed.reason != "auth":
            raise
        return False
    return True


def disco_form(jid, password, address, cafile, target):
    """Logs in (SCRAM-SHA-256) and returns (identities in the server's order, features, the
    fields of the data form) of target's disco#info."""
    async def go():
        async with session(_scram_server(address, cafile, jid), jid, password, presence=False) as xmpp:
            iq = await xmpp["xep_0030"].get_info(jid=target, timeout=TIMEOUT)
            info = iq["disco_info"]
            fields = dict(info["form"]["values"]) if info.xml.find("{jabber:x:data}x") is not None else {}
            return list(info["identities"]), set(info["features"]), fields
    return run(go())


def join_room(jid, password, address, cafile, room, nick):
    """Logs in (SCRAM-SHA-256) and joins room as a client does; returns (the room's bare JID as
    the room answered, the affiliation the room gives this client, the real JID the room sees)."""
    async def go():
        async with session(_scram_server(address, cafile, jid), jid, password, presence=False) as xmpp:
            presence = (await xmpp["xep_0045"].join_muc_wait(slixmpp.JID(room), nick, timeout=TIMEOUT))[0]
            return presence["from"].bare, presence["muc"]["affiliation"], xmpp.boundjid.bare
    return run(go())


def redeem(jid, password, token, address, cafile):
    """A new client redeems an invitation in-band (try_register with the token, SCRAM-SHA-256):
    "logged-in" when the token was accepted, the account registered (or its password reset) and
    the new credentials logged in; otherwise where it stopped: "preauth:forbidden",
    "register:not-acceptable", "register:conflict", ..."""
    username = jid.split("@", 1)[0]
    return try_register(_scram_server(address, cafile, jid), username, password, token)[1]


def roster(jid, password, address, cafile):
    """{contact JID: subscription} of the account's roster, as the server sends it (SCRAM-SHA-256)."""
    async def go():
        async with session(_scram_server(address, cafile, jid), jid, password, presence=False) as xmpp:
            await xmpp.get_roster()
            return {str(item): xmpp.client_roster[item]["subscription"] for item in xmpp.client_roster}
    return run(go())


def _tls_context(server):
    context = ssl.create_default_context(cafile=server.ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a name the controller cannot resolve: TCP to the test host's address, TLS and
    Host header for the name in the URL."""

    def __init__(self, host, port, address, context):
        super().__init__(host, port, context=context, timeout=TIMEOUT)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def https_request(server, url, method="GET", body=None, headers=None):
    """(status, headers dict, body bytes, negotiated TLS version) of one HTTPS request."""
    parts = urlsplit(url)
    conn = _PinnedHTTPSConnection(parts.hostname, parts.port or 443, server.address,
                                  _tls_context(server))
    try:
        path = parts.path + ("?" + parts.query if parts.query else "")
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return (response.status, {k.lower(): v for k, v in response.getheaders()},
                response.read(), conn.sock.version())
    finally:
        conn.close()


def upload_and_fetch(server, account, data, filename="probe.txt", content_type="text/plain"):
    """XEP-0363: asks the upload component for a slot, PUTs data, GETs it back.
    Returns (put status, get status, fetched bytes, get URL)."""
    async def slot():
        async with session(server, *account, presence=False) as xmpp:
            iq = xmpp.make_iq_get(ito=f"upload.{server.domain}")
            iq.xml.append(ET.Element(f"{{{UPLOAD_NS}}}request", filename=filename,
                                     size=str(len(data)), **{"content-type": content_type}))
            reply = await iq.send()
            granted = reply.xml.find(f"{{{UPLOAD_NS}}}slot")
            put = granted.find(f"{{{UPLOAD_NS}}}put")
            headers = {h.get("name"): h.text for h in put.findall(f"{{{UPLOAD_NS}}}header")}
            return put.get("url"), granted.find(f"{{{UPLOAD_NS}}}get").get("url"), headers
    put_url, get_url, put_headers = run(slot())
    put_headers.update({"Content-Type": content_type, "Content-Length": str(len(data))})
    put_status = https_request(server, put_url, "PUT", data, put_headers)[0]
    get_status, _unused, fetched, _unused = https_request(server, get_url)
    return put_status, get_status, fetched, get_url


def try_register(server, username, password, token=None):
    """In-band registration (XEP-0077) on an unauthenticated stream after STARTTLS, as a new
    client does; with token, first the invitation's XEP-0401 pre-authentication
    (<preauth xmlns='urn:xmpp:pars:0' token='...'/>, what Prosody's mod_invites_register reads).
    For a reset invitation the same registration of an existing name sets its new password.
    Returns (registration advertised in the stream features, outcome): "logged-in" when the
    server took the registration and the new credentials then logged in; otherwise where it
    stopped: "preauth:forbidden", "register:not-allowed", "register:conflict", "auth-failed",
    "disconnected", ..."""
    async def go():
        xmpp = _client(server, f"{username}@{server.domain}", password, direct_tls=False)
        xmpp.plugin["xep_0077"].force_registration = True
        done = asyncio.get_running_loop().create_future()
        advertised = {}

        def settle(value):
            if not done.done():
                done.set_result(value)

        def features(stanza):
            # Record whether the server itself offered registration, before slixmpp forces it.
            if isinstance(stanza, slixmpp.stanza.StreamFeatures) and "mechanisms" in stanza["features"]:
                advertised.setdefault("register", "register" in stanza["features"])
            return stanza

        async def send_or_settle(iq, step):
            try:
                await iq.send()
                return True
            except slixmpp.exceptions.IqError as err:
                settle(f"{step}:{err.iq['error']['condition']}")
                xmpp.disconnect()
                return False

        async def register(_form):
            if token is not None:
                preauth = xmpp.make_iq_set()
                preauth.append(ET.Element("{urn:xmpp:pars:0}preauth", token=token))
                # slixmpp holds back stanzas before a session except bind/session/register ones;
                # the pre-authentication belongs to the unauthenticated stream too (XEP-0401).
                xmpp._always_send_everything = True  # pylint: disable=protected-access
                try:
                    if not await send_or_settle(preauth, "preauth"):
                        return
                finally:
                    xmpp._always_send_everything = False  # pylint: disable=protected-access
            iq = xmpp.make_iq_set()
            iq["register"]["username"] = username
            iq["register"]["password"] = password
            await send_or_settle(iq, "register")

        xmpp.add_filter("in", features)
        xmpp.add_event_handler("register", register)
        xmpp.add_event_handler("session_start", lambda _: settle("logged-in"))
        xmpp.add_event_handler("failed_all_auth", lambda _: settle("auth-failed"))
        xmpp.add_event_handler("disconnected", lambda _: settle("disconnected"))
        xmpp.connect(server.address, server.starttls_port)
        try:
            outcome = await done
        finally:
            xmpp.disconnect()
        return advertised.get("register", False), outcome
    return run(go())


def bosh_session(server, url=None):
    """Opens a real BOSH session (XEP-0206) at url (default Prosody's own
    https://<domain>:<https port>/http-bind). Returns (status, session id, feature tags)."""
    rid = int.from_bytes(os.urandom(4), "big")
    body = (f"<body rid='{rid}' to='{server.domain}' xml:lang='en' wait='10' hold='1' ver='1.6' "
            "xmpp:version='1.0' xmlns='http://jabber.org/protocol/httpbind' "
            "xmlns:xmpp='urn:xmpp:xbosh'/>")
    status, _unused, payload, _unused = https_request(
        server, url or f"https://{server.domain}:{server.https_port}/http-bind", "POST", body.encode(),
        {"Content-Type": "text/xml; charset=utf-8"})
    root = ET.fromstring(payload)
    features = [child.tag for feats in root for child in feats]
    return status, root.get("sid"), features


def tls_connect(server, host, port, alpn):
    """A TLS connection to the test host (SNI host, the scenario's CA) offering the ALPN ids
    (none for [])."""
    context = _tls_context(server)
    context.set_alpn_protocols(alpn)
    sock = socket.create_connection((server.address, port), TIMEOUT)
    return context.wrap_socket(sock, server_hostname=host)


def alpn_selected(server, url, offered):
    """The protocol the server picks at url's host and port among the offered ALPN ids."""
    parts = urlsplit(url)
    with tls_connect(server, parts.hostname, parts.port or 443, offered) as tls:
        return tls.selected_alpn_protocol()


def _ws_frame(text):
    # A masked text frame, as RFC 6455 requires from clients (payloads here are < 126 bytes).
    payload, mask = text.encode(), os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + masked


def _ws_read_frame(sock):
    head = sock.recv(2)
    length = head[1] & 0x7F
    if length == 126:
        length = int.from_bytes(sock.recv(2), "big")
    data = b""
    while len(data) < length:
        data += sock.recv(length - len(data))
    return data.decode()


def websocket_open(server, url=None):
    """RFC 7395: upgrades to a websocket with the 'xmpp' subprotocol and sends <open/>. Without
    url, at Prosody's own /xmpp-websocket on the HTTPS port (no ALPN, no Origin); with a full
    wss:// url, as a browser does (ALPN http/1.1, Origin of the URL's host).
    Returns (HTTP status line, negotiated subprotocol, the server's first frame)."""
    if url is None:
        host, port, path, alpn = server.domain, server.https_port, "/xmpp-websocket", []
        header_host, origin = f"{host}:{port}", ""
    else:
        parts = urlsplit(url)
        host, port, path, alpn = parts.hostname, parts.port or 443, parts.path, ["http/1.1"]
        header_host = host if port == 443 else f"{host}:{port}"
        origin = f"Origin: https://{header_host}\r\n"
    tls = tls_connect(server, host, port, alpn)
    key = base64.b64encode(uuid.uuid4().bytes).decode()
    tls.sendall((f"GET {path} HTTP/1.1\r\nHost: {header_host}\r\n{origin}"
                 "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                 f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                 "Sec-WebSocket-Protocol: xmpp\r\n\r\n").encode())
    response = b""
    while b"\r\n\r\n" not in response:
        response += tls.recv(1)
    lines = response.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _unused, v in (line.partition(":") for line in lines[1:] if line)}
    tls.sendall(_ws_frame(f'<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="{server.domain}" '
                          'version="1.0"/>'))
    first = _ws_read_frame(tls)
    tls.close()
    return lines[0], headers.get("sec-websocket-protocol"), first


def login_direct_tls_alpn(server, jid, password, port):
    """XEP-0368 login on port offering ALPN xmpp-client (as the XEP asks of clients). Returns
    (ALPN id the server selected, SASL mechanism, bound JID)."""
    async def go():
        async with session(server, jid, password, direct_tls=True, presence=False, port=port,
                           alpn=["xmpp-client"]) as xmpp:
            alpn = xmpp.transport.get_extra_info("ssl_object").selected_alpn_protocol()
            return alpn, xmpp.plugin["feature_mechanisms"].mech.name, str(xmpp.boundjid.bare)
    return run(go())


EXTDISCO_NS = "urn:xmpp:extdisco:2"


def external_services(server, account):
    """XEP-0215: every <service/> the server hands this account, as a dict of its attributes."""
    async def go():
        async with session(server, *account, presence=False) as xmpp:
            iq = xmpp.make_iq_get(ito=server.domain)
            iq.xml.append(ET.Element(f"{{{EXTDISCO_NS}}}services"))
            reply = await iq.send(timeout=TIMEOUT)
            services = reply.xml.find(f"{{{EXTDISCO_NS}}}services")
            return [dict(service.attrib) for service in services.findall(f"{{{EXTDISCO_NS}}}service")]
    return run(go())


PUBSUB_NS = "http://jabber.org/protocol/pubsub"
DATA_NS = "jabber:x:data"
MUC_NS = "http://jabber.org/protocol/muc"
BLOCKING_NS = "urn:xmpp:blocking"
REPORTING_NS = "urn:xmpp:reporting:1"
JID_NS = "urn:xmpp:jid:0"


def _form(form_type, fields):
    form = ET.Element(f"{{{DATA_NS}}}x", type="submit")
    for var, value in {"FORM_TYPE": form_type, **fields}.items():
        ET.SubElement(ET.SubElement(form, f"{{{DATA_NS}}}field", var=var), f"{{{DATA_NS}}}value").text = value
    return form


def pep_publish(server, account, node, item_ids, options=None):
    """XEP-0060 on the account's own PEP service: publishes one item per id to node, with
    publish-options (e.g. {"pubsub#access_model": "open"}). The payload of each item is a
    XEP-0377 report, as real-time block lists carry."""
    async def go():
        async with session(server, *account, presence=False) as xmpp:
            for item_id in item_ids:
                iq = xmpp.make_iq_set()
                pubsub = ET.SubElement(iq.xml, f"{{{PUBSUB_NS}}}pubsub")
                publish = ET.SubElement(pubsub, f"{{{PUBSUB_NS}}}publish", node=node)
                item = ET.SubElement(publish, f"{{{PUBSUB_NS}}}item", id=item_id)
                ET.SubElement(item, f"{{{REPORTING_NS}}}report", reason="urn:xmpp:reporting:spam")
                if options:
                    ET.SubElement(pubsub, f"{{{PUBSUB_NS}}}publish-options").append(
                        _form("http://jabber.org/protocol/pubsub#publish-options", options))
                await iq.send()
    run(go())


def _condition(stanza):
    """The defined condition of an error stanza, read from the XML: slixmpp 1.17 answers '' for
    conditions missing from its own list, such as policy-violation."""
    ns = "{urn:ietf:params:xml:ns:xmpp-stanzas}"
    return next((child.tag[len(ns):] for child in stanza["error"].xml
                 if child.tag.startswith(ns) and child.tag != ns + "text"), "")


def message_outcome(sender_server, sender, receiver_server, receiver, body, wait=10):
    """Sends body (chat, to the bare JID) with the receiver online. Returns ("delivered", None),
    ("error", condition) when the sender gets an error back, or ("nothing", None) after wait s."""
    async def go():
        outcome = asyncio.get_running_loop().create_future()

        def settle(value):
            if not outcome.done():
                outcome.set_result(value)
        async with session(receiver_server, *receiver) as rx, session(sender_server, *sender) as tx:
            rx.add_event_handler("message", lambda m: m["body"] == body and settle(("delivered", None)))
            tx.add_event_handler("message_error", lambda m: settle(("error", _condition(m))))
            tx.send_message(mto=receiver[0], mbody=body, mtype="chat")
            try:
                return await asyncio.wait_for(outcome, wait)
            except asyncio.TimeoutError:
                return ("nothing", None)
    return run(go())


def add_contact(server, account, contact):
    """account asks contact for a presence subscription (RFC 6121: the contact is then in
    account's roster, pending out)."""
    async def go():
        async with session(server, *account) as xmpp:
            xmpp.send_presence_subscription(pto=contact)
            # A ping round trip: the server has taken the request before the stream closes.
            await xmpp.plugin["xep_0199"].ping(jid=server.domain)
    run(go())


def muc_join_outcomes(owner_server, owner, room, joiners):
    """owner creates (joins) room and stays; then each (server, account) of joiners tries to
    join it. Returns, per joiner, None when it joined or the error condition it got."""
    async def join(xmpp, nick):
        answer = asyncio.get_running_loop().create_future()

        def presence(pres):
            if str(pres["from"]) == f"{room}/{nick}" and not answer.done():
                answer.set_result(pres["error"]["condition"] if pres["type"] == "error" else None)
        xmpp.add_event_handler("presence", presence)
        pres = xmpp.make_presence(pto=f"{room}/{nick}")
        pres.xml.append(ET.Element(f"{{{MUC_NS}}}x"))
        pres.send()
        return await answer

    async def go():
        async with session(owner_server, *owner) as xmpp:
            assert await join(xmpp, "owner") is None
            outcomes = []
            for number, (server, account) in enumerate(joiners):
                async with session(server, *account) as other:
                    outcomes.append(await join(other, f"joiner{number}"))
            return outcomes
    return run(go())


def report_spam(server, reporter, jid, text, listeners, counts):
    """XEP-0377: reporter blocks jid (XEP-0191) with a spam report, while each (server, account)
    of listeners is online. Waits until listener i got counts[i] messages; returns them per
    listener as dicts: from, type, body, and report_jid (the <jid/> of an attached report)."""
    async def go():
        got = [[] for _listener in listeners]
        enough = asyncio.get_running_loop().create_future()

        def collect(index, msg):
            report = msg.xml.find(f"{{{REPORTING_NS}}}report")
            found = report.find(f"{{{JID_NS}}}jid") if report is not None else None
            got[index].append({"from": str(msg["from"]), "type": msg["type"], "body": msg["body"],
                               "report_jid": found.text if found is not None else None})
            if all(len(g) >= n for g, n in zip(got, counts)) and not enough.done():
                enough.set_result(True)
        async with contextlib.AsyncExitStack() as stack:
            for index, (listener_server, account) in enumerate(listeners):
                xmpp = await stack.enter_async_context(session(listener_server, *account))
                xmpp.add_event_handler("message", lambda m, i=index: collect(i, m))
            async with session(server, *reporter) as xmpp:
                iq = xmpp.make_iq_set()
                item = ET.SubElement(ET.SubElement(iq.xml, f"{{{BLOCKING_NS}}}block"), f"{{{BLOCKING_NS}}}item", jid=jid)
                report = ET.SubElement(item, f"{{{REPORTING_NS}}}report", reason="urn:xmpp:reporting:spam")
                ET.SubElement(report, f"{{{REPORTING_NS}}}text").text = text
                await iq.send()
            await enough
        return got
    return run(go())
