"""Drive coturn's own test tools on a client host with TURN REST API credentials.

The credentials are made exactly as Prosody's mod_turn_external makes them (TURN REST API,
draft-uberti-behave-turn-rest): user name "<expiry unix time>:<user>", password
base64(HMAC-SHA1(shared secret, user name)).
"""
import base64
import hashlib
import hmac
import shlex
import time
import uuid

PEER_PORT = 3480


def rest_credentials(secret, user, lifetime=600, now=None):
    """(username, password) valid until now + lifetime (negative lifetime: already expired)."""
    expiry = int(now if now is not None else time.time()) + lifetime
    username = f"{expiry}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def unique_user(prefix):
    """A user name no other test uses, so the server log lines of one attempt can be found."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def start_peer(client, address):
    """Run turnutils_peer (a UDP echo peer) on the client host while the test runs."""
    client.run("systemctl stop turn-test-peer.service; systemctl reset-failed turn-test-peer.service")
    # On a host behind site.yml's firewall the peer's port is let in, as an admin opens a port for a
    # service of their own (until the firewall's next change reloads its table).
    opened = client.run(
        "! nft list table inet xmpp_stack >/dev/null 2>&1"
        f" || nft list table inet xmpp_stack | grep -q 'udp dport {PEER_PORT} accept'"
        f" || nft insert rule inet xmpp_stack input udp dport {PEER_PORT} accept"
    )
    assert opened.rc == 0, opened.stderr
    started = client.run(
        f"systemd-run --unit=turn-test-peer /usr/bin/turnutils_peer -L {address} -p {PEER_PORT}"
    )
    assert started.rc == 0, started.stderr


def allocate(client, server, username, password, peer, *flags, messages=5):
    """Allocate a relay on server and send messages to peer through it; the command's result.

    flags: -t for TCP to the server, -S for TLS (with -t) or DTLS (without).
    """
    argv = ["timeout", "60", "turnutils_uclient", *flags, "-u", username, "-w", password,
            "-e", peer, "-r", str(PEER_PORT), "-n", str(messages), "-m", "1", "-c", server]
    if "-S" in flags:
        argv[3:3] = ["-p", "5349"]
    return run_uclient(client, argv)


def run_uclient(client, argv):
    """Run argv (a turnutils_uclient command line, list of str) on the testinfra host client.

    turnutils_uclient exits 255 when the server refuses an allocation or a permission; ssh keeps 255
    for its own failures (testinfra's ssh backend raises RuntimeError on it), so that exit status
    comes back as 254. Returns testinfra's CommandResult.
    """
    return client.run(" ".join(shlex.quote(a) for a in argv) + '; s=$?; [ "$s" -ne 255 ] || s=254; exit "$s"')


def relayed_all(result, messages=5):
    """True when every message came back through the relay."""
    out = result.stdout + result.stderr
    return (
        result.rc == 0
        and f"tot_send_msgs={messages}, tot_recv_msgs={messages}" in out
        and "Total lost packets 0 " in out
    )
