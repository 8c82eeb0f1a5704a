"""Where clients find the service: everything on 443 (the trixie host, prosody_port_443: direct
TLS and HTTPS on one port, told apart by ALPN), or behind a site's own reverse proxy (the bookworm
host: nginx on 443 in front of Prosody's HTTP, prosody_http_external_url). Every URL Prosody hands
out is the public one; both hosts refuse ports below 1024 to unprivileged users (the test bed's
ip_unprivileged_port_start=1024), so Prosody binds 443 only with its one capability."""
import json
import uuid

from public_urls import prosody_listens
from xmpp_client import (alpn_selected, bosh_session, https_request, login_direct_tls_alpn, tls_connect, upload_and_fetch,
                         websocket_open)

NET_BIND_SERVICE = 1 << 10


def test_host_refuses_low_ports_to_unprivileged_users(host):
    assert host.run("sysctl -n net.ipv4.ip_unprivileged_port_start").stdout.strip() == "1024"
    probe = host.run("runuser -u prosody -- python3 -c \"import socket; socket.socket().bind(('0.0.0.0', 443))\"")
    assert probe.rc != 0 and "Permission denied" in probe.stderr


def test_capability_exactly_when_a_port_is_below_1024(host, public):
    show = host.run("systemctl show prosody -p CapabilityBoundingSet -p AmbientCapabilities -p MainPID").stdout
    props = dict(line.split("=", 1) for line in show.splitlines())
    status = host.file(f"/proc/{props['MainPID']}/status").content_string
    caps = {line.split(":")[0]: int(line.split()[1], 16) for line in status.splitlines() if line.startswith("Cap")}
    if public.port_443:
        assert props["CapabilityBoundingSet"] == "cap_net_bind_service"
        assert props["AmbientCapabilities"] == "cap_net_bind_service"
        # The running process holds that one capability and nothing else.
        assert caps["CapEff"] == caps["CapAmb"] == caps["CapBnd"] == NET_BIND_SERVICE
    else:
        assert props["CapabilityBoundingSet"] == ""
        assert props["AmbientCapabilities"] == ""
        assert caps["CapEff"] == caps["CapBnd"] == 0


def test_port_443_is_prosodys_only_with_the_switch(host, public):
    assert prosody_listens(host, 443) == public.port_443
    if not public.port_443:
        # The bookworm host's 443 is its reverse proxy's.
        assert host.socket("tcp://0.0.0.0:443").is_listening


def test_direct_tls_login_on_443_by_alpn(host, server, accounts, public):
    if not public.port_443:
        assert not prosody_listens(host, 443)
        return
    alpn, mechanism, jid = login_direct_tls_alpn(server, *accounts["alice"], port=443)
    assert alpn == "xmpp-client"
    assert mechanism == "SCRAM-SHA-256"
    assert jid == accounts["alice"][0]
    # A client that offers no ALPN is told apart by its first bytes (a jabber:client stream).
    with tls_connect(server, server.domain, 443, []) as tls:
        tls.sendall(f"<?xml version='1.0'?><stream:stream to='{server.domain}' version='1.0' "
                    "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>".encode())
        answer = b""
        while b"</stream:features>" not in answer:
            chunk = tls.recv(4096)
            assert chunk, answer
            answer += chunk
    assert tls.selected_alpn_protocol() is None
    assert b"xmlns='jabber:client'" in answer and b"SCRAM-SHA-256" in answer


def test_https_at_the_public_base_by_alpn(server, public):
    # A browser offers h2 and http/1.1: the public address answers HTTP/1.1 (on the trixie host
    # net_multiplex's choice between xmpp-client and http/1.1).
    assert alpn_selected(server, public.base, ["h2", "http/1.1"]) == "http/1.1"
    status, _headers, _body, _tls = https_request(server, public.base + "http-bind")
    assert status == 200


def test_upload_slot_on_the_public_url(server, accounts, public):
    data = uuid.uuid4().bytes * 64
    put_status, get_status, fetched, url = upload_and_fetch(server, accounts["alice"], data)
    assert url.startswith(public.upload_base + "file_share/")
    assert (put_status, get_status, fetched) == (201, 200, data)


def test_host_meta_lists_the_public_urls(server, public):
    status, _headers, body, _tls = https_request(server, public.base + ".well-known/host-meta.json")
    assert status == 200
    links = {link["rel"]: link["href"] for link in json.loads(body)["links"]}
    assert links["urn:xmpp:alt-connections:websocket"] == public.base.replace("https", "wss", 1) + "xmpp-websocket"
    assert links["urn:xmpp:alt-connections:xbosh"] == public.base + "http-bind"


def test_websocket_at_the_public_url(server, public):
    status, protocol, first_frame = websocket_open(server, public.base.replace("https", "wss", 1) + "xmpp-websocket")
    assert " 101 " in status
    assert protocol == "xmpp"
    assert "<open" in first_frame and server.domain in first_frame


def test_bosh_at_the_public_url(server, public):
    status, sid, features = bosh_session(server, public.base + "http-bind")
    assert status == 200 and sid
    assert "{urn:ietf:params:xml:ns:xmpp-sasl}mechanisms" in features


def test_web_client_settings_carry_the_public_url(server, public):
    status, _headers, settings, _tls = https_request(server, public.base + "conversejs/settings.js")
    assert status == 200
    if public.base.endswith(":5281/"):
        # No public URL configured: the page builds its URLs from its own origin.
        assert b'var base = "" ||' in settings
    else:
        assert f'var base = "{public.base}"'.encode() in settings
