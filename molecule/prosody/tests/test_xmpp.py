"""The converged server, proven with a real XMPP client (slixmpp) from the controller."""
import uuid

import pytest
from xmpp_client import (LoginFailed, bosh_session, contact_addresses, disco_info, exchange_message, https_request,
                         login, mam_bodies, muc_history, try_register, upload_and_fetch,
                         websocket_open)


def test_login_starttls_scram_sha256(server, accounts):
    result = login(server, *accounts["alice"])
    assert result.starttls
    assert result.mechanism == "SCRAM-SHA-256"


def test_login_direct_tls(server, accounts):
    result = login(server, *accounts["bob"], direct_tls=True)
    assert not result.starttls
    assert result.mechanism == "SCRAM-SHA-256"


def test_plain_not_offered(server, accounts):
    offered = login(server, *accounts["alice"]).offered_mechanisms
    assert "SCRAM-SHA-256" in offered
    assert "PLAIN" not in offered


def test_smacks_and_csi_offered(server, accounts):
    features = login(server, *accounts["alice"]).stream_features
    assert "{urn:xmpp:sm:3}sm" in features
    assert "{urn:xmpp:csi:0}csi" in features


def test_wrong_password_refused(server, accounts):
    with pytest.raises(LoginFailed):
        login(server, accounts["alice"][0], "not-the-password")


def test_in_band_registration_refused(server):
    name = f"mallory{uuid.uuid4().hex[:8]}"
    _unused, outcome = try_register(server, name, "Mallory-pass-1234")
    assert outcome not in (None, "logged-in")
    with pytest.raises(LoginFailed):
        login(server, f"{name}@{server.domain}", "Mallory-pass-1234")


def test_message_carbons_and_archive(server, accounts):
    body = f"hello {uuid.uuid4()}"
    result = exchange_message(server, accounts["alice"], accounts["bob"], body)
    assert result == {"received": body, "carbon": body}
    assert body in mam_bodies(server, accounts["bob"])
    assert body in mam_bodies(server, accounts["alice"])


def test_server_disco_features(server, accounts):
    identities, features = disco_info(server, accounts["alice"])
    assert ("server", "im", None, "Prosody") in identities
    for feature in ("urn:xmpp:blocking", "jabber:iq:private", "urn:xmpp:carbons:2", "urn:xmpp:ping",
                    "urn:xmpp:reporting:1",
                    # the pinned community archive's module and the custom local module
                    "urn:xmpp-stack:test:community:0", "urn:xmpp-stack:test:local:0"):
        assert feature in features
    assert "urn:xmpp-stack:test:unused:0" not in features


def test_account_disco_features(server, accounts):
    _unused, features = disco_info(server, accounts["alice"], target=accounts["alice"][0])
    for feature in ("http://jabber.org/protocol/pubsub#publish", "urn:xmpp:push:0",
                    "urn:xmpp:mam:2", "urn:xmpp:pep-vcard-conversion:0"):
        assert feature in features


def test_muc_room_history(server, accounts):
    room = f"room-{uuid.uuid4().hex[:8]}@conference.{server.domain}"
    bodies = ["first words", "second words"]
    assert muc_history(server, accounts["alice"], accounts["bob"], room, bodies) == bodies


def test_muc_room_features(server, accounts):
    _unused, features = disco_info(server, accounts["alice"], target=f"conference.{server.domain}")
    assert "http://jabber.org/protocol/muc" in features
    assert "urn:xmpp:mam:2" in features


def test_upload_then_fetch_over_https(server, accounts, public):
    data = uuid.uuid4().bytes * 64
    put_status, get_status, fetched, url = upload_and_fetch(server, accounts["alice"], data)
    assert put_status == 201
    assert get_status == 200
    assert fetched == data
    assert url.startswith(public.upload_base)


def test_bosh_session(server):
    status, sid, features = bosh_session(server)
    assert status == 200
    assert sid
    assert "{urn:ietf:params:xml:ns:xmpp-sasl}mechanisms" in features


def test_websocket_stream(server):
    status, protocol, first_frame = websocket_open(server)
    assert " 101 " in status
    assert protocol == "xmpp"
    assert "<open" in first_frame and server.domain in first_frame


def test_host_meta_announces_websocket_and_bosh(server):
    status, _unused, body, _unused = https_request(server, f"https://{server.domain}:5281/.well-known/host-meta")
    assert status == 200
    assert b"urn:xmpp:alt-connections:websocket" in body
    assert b"urn:xmpp:alt-connections:xbosh" in body


def test_https_prefers_tls13(server):
    assert https_request(server, f"https://{server.domain}:5281/http-bind")[3] == "TLSv1.3"


def test_metrics_refused_to_other_addresses(server):
    status = https_request(server, f"https://{server.domain}:5281/metrics")[0]
    assert status == 403


def test_contact_addresses(server, accounts):
    fields = contact_addresses(server, accounts["alice"])
    assert fields["FORM_TYPE"] == ["http://jabber.org/network/serverinfo"]
    assert fields["abuse-addresses"] == [f"mailto:abuse@{server.domain}", f"xmpp:admin@{server.domain}"]
