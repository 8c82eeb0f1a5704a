"""Where a test host's HTTP services are published, as the role's variables say (not as the
server answers), and small clients that take a full URL: the tests compare the two.

- prosody_port_443: https://<domain>/ and https://upload.<domain>/, no port;
- prosody_http_external_url (a reverse proxy): that base URL for the host and its uploads;
- neither: Prosody's own HTTPS port, https://<domain>:5281/."""
import asyncio
import base64
import os
import xml.etree.ElementTree as ET
import socket
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import slixmpp
from xmpp_client import TIMEOUT, _tls_context, _ws_frame, _ws_read_frame, https_request, run


@dataclass
class Public:
    base: str          # the VirtualHost's services: <base>http-bind, <base>conversejs/, ...
    upload_base: str   # upload slots start with <upload_base>file_share/
    port_443: bool

    @classmethod
    def of(cls, variables, domain):
        external = variables.get("prosody_http_external_url", "")
        if external:
            return cls(base=external, upload_base=external, port_443=False)
        if variables.get("prosody_port_443", False):
            return cls(base=f"https://{domain}/", upload_base=f"https://upload.{domain}/", port_443=True)
        return cls(base=f"https://{domain}:5281/", upload_base=f"https://upload.{domain}:5281/", port_443=False)


def tls_connect(server, host, port, alpn):
    """A TLS connection to the test host (SNI host, the scenario's CA) offering the ALPN ids."""
    context = _tls_context(server)
    context.set_alpn_protocols(alpn)
    sock = socket.create_connection((server.address, port), TIMEOUT)
    return context.wrap_socket(sock, server_hostname=host)


def alpn_selected(server, url, offered):
    """The protocol the server picks at url's host and port among the offered ALPN ids."""
    parts = urlsplit(url)
    with tls_connect(server, parts.hostname, parts.port or 443, offered) as tls:
        return tls.selected_alpn_protocol()


def websocket_open_at(server, url):
    """RFC 7395 at a full wss:// URL, offering ALPN http/1.1 as browsers do. Returns (status line,
    subprotocol, the server's first frame)."""
    parts = urlsplit(url)
    port = parts.port or 443
    tls = tls_connect(server, parts.hostname, port, ["http/1.1"])
    host = parts.hostname if port == 443 else f"{parts.hostname}:{port}"
    key = base64.b64encode(uuid.uuid4().bytes).decode()
    tls.sendall((f"GET {parts.path} HTTP/1.1\r\nHost: {host}\r\nOrigin: https://{host}\r\n"
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


def bosh_session_at(server, url):
    """Opens a BOSH session (XEP-0206) at a full URL. Returns (status, session id, feature tags)."""
    rid = int.from_bytes(os.urandom(4), "big")
    body = (f"<body rid='{rid}' to='{server.domain}' xml:lang='en' wait='10' hold='1' ver='1.6' "
            "xmpp:version='1.0' xmlns='http://jabber.org/protocol/httpbind' "
            "xmlns:xmpp='urn:xmpp:xbosh'/>")
    status, _unused, payload, _unused = https_request(server, url, "POST", body.encode(),
                                                      {"Content-Type": "text/xml; charset=utf-8"})
    root = ET.fromstring(payload)
    return status, root.get("sid"), [child.tag for feats in root for child in feats]


def login_direct_tls_alpn(server, jid, password, port):
    """XEP-0368 login on port offering ALPN xmpp-client (as the XEP asks of clients). Returns
    (ALPN id the server selected, SASL mechanism, bound JID)."""
    async def go():
        xmpp = slixmpp.ClientXMPP(jid, password)
        xmpp.ca_certs = server.ca_file
        xmpp.enable_direct_tls, xmpp.enable_starttls, xmpp.enable_plaintext = True, False, False
        xmpp.ssl_context.set_alpn_protocols(["xmpp-client"])
        started = asyncio.get_running_loop().create_future()

        def on_start(_event):
            if not started.done():
                alpn = xmpp.transport.get_extra_info("ssl_object").selected_alpn_protocol()
                started.set_result((alpn, xmpp.plugin["feature_mechanisms"].mech.name, str(xmpp.boundjid.bare)))

        xmpp.add_event_handler("session_start", on_start)
        xmpp.add_event_handler("failed_all_auth", lambda _: started.done() or started.set_result(None))
        xmpp.add_event_handler("disconnected", lambda _: started.done() or started.set_result(None))
        xmpp.connect(server.address, port)
        try:
            return await started
        finally:
            xmpp.disconnect()
    return run(go())


def prosody_uid(host):
    return int(host.run("id -u prosody").stdout)


def prosody_listens(host, port):
    """Whether a listening TCP socket on port belongs to the prosody user (not nginx, not root)."""
    uid, found = prosody_uid(host), False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in host.file(table).content_string.splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                found = found or int(fields[7]) == uid
    return found
