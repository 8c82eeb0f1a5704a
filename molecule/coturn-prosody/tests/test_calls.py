"""A client asks Prosody for TURN (XEP-0215) and uses exactly what it gets with coturn."""
import base64
import datetime
import hashlib
import hmac

import pytest
from xmpp_client import external_services

import turn_client
from conftest_helpers import assert_not_in_step_logs

# The XMPP host plays the calling client: it runs turnutils_uclient against the TURN host.
testinfra_hosts = ["ansible://coturn-prosody-xmpp"]


@pytest.fixture(scope="module")
def services(xmpp_server, account):
    return external_services(xmpp_server, account)


def _one(services, kind, transport):
    matches = [s for s in services if s["type"] == kind and s["transport"] == transport]
    assert len(matches) == 1, [(s["type"], s["transport"]) for s in services]
    return matches[0]


def test_stun_and_turn_point_at_coturn(services):
    stun = _one(services, "stun", "udp")
    turn = _one(services, "turn", "udp")
    turns = _one(services, "turns", "tcp")
    assert (stun["host"], stun["port"]) == ("turn.example.test", "3478")
    assert (turn["host"], turn["port"]) == ("turn.example.test", "3478")
    assert (turns["host"], turns["port"]) == ("turn.example.test", "5349")


def test_turn_entry_carries_time_limited_rest_credentials(services, secret):
    turn = _one(services, "turn", "udp")
    assert turn["restricted"] == "1"
    expires = datetime.datetime.fromisoformat(turn["expires"].replace("Z", "+00:00"))
    now = datetime.datetime.now(datetime.timezone.utc)
    assert now < expires <= now + datetime.timedelta(days=1, minutes=1)
    # TURN REST API: the user name starts with the expiry time, the password is its HMAC-SHA1.
    assert int(turn["username"].split(":")[0]) == int(expires.timestamp())
    expected = base64.b64encode(hmac.new(secret.encode(), turn["username"].encode(), hashlib.sha1).digest())
    signed_with_shared_secret = hmac.compare_digest(expected.decode(), turn["password"])
    assert signed_with_shared_secret


@pytest.mark.parametrize("mode", ["udp", "tls"])
def test_coturn_relays_with_the_handed_credentials(host, services, turn_ip, peer, mode):
    turn = _one(services, "turn", "udp")
    flags = ("-t", "-S") if mode == "tls" else ()
    result = turn_client.allocate(host, turn_ip, turn["username"], turn["password"], peer, *flags)
    assert turn_client.relayed_all(result), result.stdout[-2000:] + result.stderr[-2000:]


def test_credential_with_a_changed_expiry_is_refused(host, services, turn_ip, peer):
    # A client cannot extend its credential: the signature covers the expiry time.
    turn = _one(services, "turn", "udp")
    stretched = str(int(turn["username"].split(":")[0]) + 86400)
    result = turn_client.allocate(host, turn_ip, stretched, turn["password"], peer, messages=1)
    assert result.rc != 0
    assert "Cannot complete Allocation" in result.stdout + result.stderr


@pytest.mark.parametrize("denied_peer", ["10.0.0.1", "127.0.0.1"])
def test_handed_credentials_cannot_reach_internal_networks(host, services, turn_ip, denied_peer):
    turn = _one(services, "turn", "udp")
    result = turn_client.allocate(host, turn_ip, turn["username"], turn["password"], denied_peer, messages=1)
    out = result.stdout + result.stderr
    assert result.rc != 0
    assert "Cannot complete Allocation" not in out, "the allocation itself must succeed"
    assert "error 403 (Forbidden IP)" in out, out[-2000:]


def test_secret_in_no_journal(host, turn_host, secret):
    for machine in (host, turn_host):
        leaked = secret in machine.check_output("journalctl --no-pager -o cat")
        assert not leaked


def test_secret_not_in_ansible_output(secret):
    assert_not_in_step_logs(secret, "Configure | Write turnserver.conf")
