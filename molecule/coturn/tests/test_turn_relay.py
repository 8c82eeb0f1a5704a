"""TURN behaviour seen by a real client: coturn's turnutils_uclient on the client host."""
import pytest

import turn_client

# The client host drives every test; the server is reached over the test network.
testinfra_hosts = ["ansible://coturn-client"]

MODES = {
    "udp": (),
    "tcp": ("-t",),
    "dtls": ("-S",),
    "tls": ("-t", "-S"),
}


@pytest.mark.parametrize("mode", sorted(MODES))
def test_valid_credentials_allocate_and_relay(client, server_ip, peer, secret, mode):
    username, password = turn_client.rest_credentials(secret, turn_client.unique_user("alice"))
    result = turn_client.allocate(client, server_ip, username, password, peer, *MODES[mode])
    assert turn_client.relayed_all(result), result.stdout[-2000:] + result.stderr[-2000:]


def _refused_by_auth(server, result, username):
    """The allocation failed and coturn itself says it rejected these credentials."""
    journal = server.run(f"journalctl -u coturn --no-pager -o cat | grep -F -- '{username}'").stdout
    return (
        result.rc != 0
        and "Cannot complete Allocation" in result.stdout + result.stderr
        and f"check_stun_auth: Cannot find credentials of user <{username}>" in journal
    )


def test_wrong_password_is_refused(client, server, server_ip, peer, secret):
    username, password = turn_client.rest_credentials(secret, turn_client.unique_user("mallory"))
    wrong = password[::-1]
    result = turn_client.allocate(client, server_ip, username, wrong, peer, messages=1)
    assert _refused_by_auth(server, result, username)


def test_credential_signed_with_another_secret_is_refused(client, server, server_ip, peer):
    username, password = turn_client.rest_credentials("not-the-shared-secret" * 3, turn_client.unique_user("eve"))
    result = turn_client.allocate(client, server_ip, username, password, peer, messages=1)
    assert _refused_by_auth(server, result, username)


def test_expired_credential_is_refused(client, server, server_ip, peer, secret):
    # Correctly signed, but its expiry time passed a minute ago.
    username, password = turn_client.rest_credentials(secret, turn_client.unique_user("late"), lifetime=-60)
    result = turn_client.allocate(client, server_ip, username, password, peer, messages=1)
    assert _refused_by_auth(server, result, username)


@pytest.mark.parametrize(
    "denied_peer",
    ["10.0.0.1", "127.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "neighbour"],
)
def test_peer_in_denied_range_is_refused(client, server_ip, nat, peer, secret, denied_peer):
    # "neighbour": the router's address on the TURN server's private network, a host right next to
    # the server's own (allowed) address that the relay must not reach.
    target = nat["router_private"] if denied_peer == "neighbour" else denied_peer
    username, password = turn_client.rest_credentials(secret, turn_client.unique_user("scan"))
    result = turn_client.allocate(client, server_ip, username, password, target, messages=1)
    out = result.stdout + result.stderr
    assert result.rc != 0
    assert "Cannot complete Allocation" not in out, "the allocation itself must succeed"
    assert "error 403 (Forbidden IP)" in out, out[-2000:]
