"""Two clients of one TURN server relay to each other, behind a 1:1 NAT and without one, while
every other private, loopback, link-local and IPv4-mapped peer is refused.

turnutils_uclient -y opens two allocations on the same server and each sends to the other's relayed
address: the permission asks for the server's own (announced) relay address. Behind the NAT that is
the router's public address, which coturn rewrites to its private one before the peer check.
"""
import re

import pytest

import turn_client

testinfra_hosts = ["ansible://coturn-client"]

MESSAGES = 10


def _uclient(client, server, secret, *flags):
    username, password = turn_client.rest_credentials(secret, turn_client.unique_user("r2r"))
    argv = ["timeout", "60", "turnutils_uclient", "-v", *flags, "-u", username, "-w", password,
            "-m", "1", server]
    return turn_client.run_uclient(client, argv)


def _relay_addresses(result):
    """Every relayed address the server handed out, as 'address:port' strings."""
    return re.findall(r"Received relay addr: (\S+)", result.stdout + result.stderr)


@pytest.mark.parametrize("behind_nat", [True, False], ids=["behind-nat", "without-nat"])
def test_two_clients_of_one_server_relay_to_each_other(client, secret, server_ip, direct_ip,
                                                       server_private_ip, client_ip, behind_nat):
    address = server_ip if behind_nat else direct_ip
    result = _uclient(client, address, secret, "-y", "-c", "-n", str(MESSAGES))
    out = result.stdout + result.stderr
    # Both allocations send MESSAGES each and receive all of them.
    assert result.rc == 0, out[-2000:]
    assert f"tot_send_msgs={2 * MESSAGES}, tot_recv_msgs={2 * MESSAGES}" in out, out[-2000:]
    assert "Total lost packets 0 " in out
    assert "error 403" not in out
    # The relayed addresses are the one the clients reach: the public address behind the NAT,
    # never the server's private address or the client's own.
    relays = _relay_addresses(result)
    assert relays, out[-2000:]
    hosts = {relay.rsplit(":", 1)[0] for relay in relays}
    assert hosts == {address}
    assert server_private_ip not in hosts and client_ip not in hosts


@pytest.mark.parametrize("denied_peer", [
    "10.0.0.1", "10.255.255.254", "172.16.0.1", "172.31.255.254", "192.168.0.1", "192.168.255.254",
    "127.0.0.1", "127.255.255.254", "169.254.169.254", "neighbour",
])
def test_other_ipv4_peers_are_refused_behind_nat(client, secret, server_ip, nat, denied_peer):
    target = nat["router_private"] if denied_peer == "neighbour" else denied_peer
    result = _uclient(client, server_ip, secret, "-e", target, "-n", "1")
    out = result.stdout + result.stderr
    assert result.rc != 0
    assert "Received relay addr" in out, "the allocation itself must succeed"
    assert "error 403 (Forbidden IP)" in out, out[-2000:]


@pytest.mark.parametrize("mapped", [
    "::ffff:10.0.0.1", "::ffff:172.16.0.1", "::ffff:192.168.0.1", "::ffff:127.0.0.1",
    "::ffff:169.254.169.254", "private", "public",
])
def test_ipv4_mapped_peers_are_refused_on_an_ipv6_relay(client, secret, server_ip, nat, mapped):
    # An IPv6 relay (-x) so the mapped address reaches the peer check instead of failing on the
    # address family; the server's own addresses in mapped form are refused too.
    target = {"private": f"::ffff:{nat['private']}", "public": f"::ffff:{nat['public']}"}.get(mapped, mapped)
    result = _uclient(client, server_ip, secret, "-x", "-e", target, "-n", "1")
    out = result.stdout + result.stderr
    assert f"IPv6. Received relay addr: {nat['private_ipv6']}:" in out, out[-2000:]
    assert result.rc != 0
    assert "error 403 (Forbidden IP)" in out, out[-2000:]
