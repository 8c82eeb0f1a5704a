"""Backup, loss and restore of the whole service, proven with real clients.

In order: clients make data; backup.yml backs up now (the XMPP host's repository on the backup
server over sftp, the database host's at a path on a disk that outlives it); a restore onto the
hosts that hold the data is refused and changes nothing; the XMPP and database hosts are removed,
and the controller's lab CA and shared secrets are lost too; bare hosts are made again ("a new
VPS": new addresses, and the XMPP host under a new inventory name with restore_from its old one)
and restore.yml brings everything back. The same clients then find their accounts, contacts,
archive, upload, room and the server's certificate as they were, and coturn (beside Prosody on the
XMPP host) relays with the credentials Prosody hands out, signed with the restored secret. From
here on the playbooks run with the new machines' inventory (test_upgrade.py,
test_upgraded_restore.py)."""
import base64
import hashlib
import hmac
import json
import os
import pathlib
import re
import shutil
import socket
import ssl
import subprocess

import testinfra
from conftest import (DB, DOMAIN, EPHEMERAL, PROJECT, STORE, XMPP, XMPP_NEW_NAME, new_site_inventory, on_host, playbook,
                      server)
from conftest_helpers import container_address, create_accounts
from xmpp_client import (TIMEOUT, external_services, https_request, login, mam_bodies, run, send_chat, session,
                         upload_and_fetch)

import turn_client

ROOM = f"lounge@conference.{DOMAIN}"
PLAYBOOKS = pathlib.Path(PROJECT) / "playbooks"
CONTROLLER_DIRS = ("ca", "credentials")
# The database host's repository: a path (xmpp_stack_backup_repository) on the volume that stands
# for the admin's NAS share or USB disk (molecule.yml, inventory/host_vars).
DB_REPOSITORY = "/mnt/backup-disk/bk-db.example.org"


def certificate_fingerprint(srv):
    """SHA-256 of the certificate Prosody serves for the domain (direct TLS, XEP-0368)."""
    context = ssl.create_default_context(cafile=srv.ca_file)
    with socket.create_connection((srv.address, srv.direct_tls_port), TIMEOUT) as sock:
        with context.wrap_socket(sock, server_hostname=DOMAIN) as tls:
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()


def roster_and_room(srv, account, room):
    """(contacts of account, room configuration fields, owners, members) as the client sees them."""
    async def go():
        async with session(srv, *account) as xmpp:
            muc = xmpp.plugin["xep_0045"]
            form = await muc.get_room_config(room)
            # Multi-valued fields (roles that see presence) come in no fixed order.
            fields = {var: sorted(value) if isinstance(value, list) else value
                      for var, value in form.get_values().items()}
            owners = {str(j) for j in await muc.get_affiliation_list(room, "owner")}
            members = {str(j) for j in await muc.get_affiliation_list(room, "member")}
            return set(xmpp.client_roster.keys()) - {xmpp.boundjid.bare}, fields, owners, members
    return run(go())


def make_room(srv, owner, member_jid, room):
    """owner makes a persistent members-only room, names it and makes member_jid a member."""
    async def go():
        async with session(srv, *owner) as xmpp:
            muc = xmpp.plugin["xep_0045"]
            await muc.join_muc_wait(room, "owner", maxstanzas=0, timeout=TIMEOUT)
            form = xmpp.plugin["xep_0004"].make_form(ftype="submit")
            form.add_field(var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/muc#roomconfig")
            form.add_field(var="muc#roomconfig_roomname", value="Backup lounge")
            form.add_field(var="muc#roomconfig_roomdesc", value="Kept across machines")
            form.add_field(var="muc#roomconfig_persistentroom", ftype="boolean", value=True)
            form.add_field(var="muc#roomconfig_membersonly", ftype="boolean", value=True)
            await muc.set_room_config(room, form)
            await muc.set_affiliation(room, "member", jid=member_jid)
    run(go())


def add_contact(srv, account, contact_jid):
    async def go():
        async with session(srv, *account) as xmpp:
            await xmpp.update_roster(contact_jid, name="Bob", subscription="none")
    run(go())


def recap_changed(output):
    recap = output[output.rindex("PLAY RECAP"):]
    return {int(n) for n in re.findall(r"changed=(\d+)", recap)}


def test_clients_make_data(state):
    srv = server()
    accounts = create_accounts(XMPP, DOMAIN, ["alice", "bob"])
    alice, bob = accounts["alice"], accounts["bob"]
    add_contact(srv, alice, bob[0])
    body = "kept across machines " + os.urandom(6).hex()
    send_chat(srv, alice, bob[0], body)
    assert body in mam_bodies(srv, alice, with_jid=bob[0])
    data = os.urandom(48 * 1024)
    put_status, get_status, fetched, url = upload_and_fetch(srv, alice, data, filename="photo.bin",
                                                            content_type="application/octet-stream")
    assert (put_status, get_status, fetched == data) == (201, 200, True)
    make_room(srv, alice, bob[0], ROOM)
    contacts, fields, owners, members = roster_and_room(srv, alice, ROOM)
    assert contacts == {bob[0]}
    assert (owners, members) == ({alice[0]}, {bob[0]})
    assert fields["muc#roomconfig_roomname"] == "Backup lounge"
    state.update(alice=alice, bob=bob, body=body, url=url, sha256=hashlib.sha256(data).hexdigest(),
                 fields=fields, fingerprint=certificate_fingerprint(srv), address=srv.address,
                 db_address=container_address(DB),
                 controller={d: {p.relative_to(pathlib.Path(EPHEMERAL) / d).as_posix(): p.read_bytes()
                                 for p in (pathlib.Path(EPHEMERAL) / d).rglob("*") if p.is_file()}
                             for d in CONTROLLER_DIRS})


def test_backup_now_stores_every_host_encrypted(state):
    result, seconds = playbook(str(PLAYBOOKS / "backup.yml"), {"backup_now": True})
    assert result.returncode == 0, result.stdout[-3000:]
    state["backup_seconds"] = seconds
    state["first_snapshots"] = {}
    for host in (XMPP, DB):
        snapshots = json.loads(on_host(host, "xmpp-stack-restic", "snapshots", "--json", "--host", host).stdout)
        assert snapshots, f"no snapshot of {host}"
        state["first_snapshots"][host] = snapshots[-1]["short_id"]
        paths = snapshots[-1]["paths"]
        if host == XMPP:
            assert "/var/lib/prosody" in paths and "/etc/prosody" in paths
        else:
            assert any(re.match(r"/var/backups/postgresql/prosody-\d{8}T\d{6}Z\.pgc$", p) for p in paths), paths
        metrics = on_host(host, "cat", "/var/lib/prometheus/node-exporter/xmpp_stack_backup.prom").stdout
        assert re.search(r"^xmpp_stack_backup_last_success_timestamp_seconds \d{10}$", metrics, re.M)
    controller = json.loads(on_host(XMPP, "xmpp-stack-restic", "snapshots", "--json", "--host", "controller").stdout)
    assert controller and "xmpp-stack-controller" in controller[-1]["tags"]
    # The XMPP host's repository is on the backup server, the database host's at its path on the
    # backup disk (and not on the backup server): both encrypted, the message is nowhere in plain text.
    assert on_host(DB, "test", "-f", f"{DB_REPOSITORY}/config", check=False).returncode == 0
    assert on_host(STORE, "test", "-e", f"/srv/xmpp-stack-backup/{DB}", check=False).returncode == 1
    size = sum(int(on_host(host, "du", "-sb", path).stdout.split()[0])
               for host, path in ((STORE, "/srv/xmpp-stack-backup"), (DB, DB_REPOSITORY)))
    state["backup_bytes"] = size
    for host, repositories in ((STORE, "/srv/xmpp-stack-backup"), (DB, DB_REPOSITORY)):
        found = on_host(host, "grep", "-rl", state["body"], repositories, check=False)
        assert found.returncode == 1, found.stdout
    pathlib.Path(PROJECT, "artifacts", "molecule", "backup").mkdir(parents=True, exist_ok=True)
    pathlib.Path(PROJECT, "artifacts", "molecule", "backup", "measurements.txt").write_text(
        f"backup.yml backup_now: {seconds:.0f} s\nrepositories (backup server and backup disk): {size} bytes\n")


def test_restore_onto_hosts_holding_data_is_refused(state):
    result, _unused = playbook(str(PLAYBOOKS / "restore.yml"))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Restore refused" in output and "restore_overwrite" in output
    # The message names each host and what it found there (JSON, its quotes escaped in the output).
    found = {host: re.search(re.escape(host) + r'\\?": \{([^}]*)\}', output) for host in (XMPP, DB)}
    assert found[XMPP] and re.search(r'accounts\\?": 2\b', found[XMPP].group(1)), output[-3000:]
    assert found[DB] and re.search(r'database account rows\\?": [1-9]', found[DB].group(1)), output[-3000:]
    assert recap_changed(output) == {0}, output[output.rindex("PLAY RECAP"):]
    # Nothing changed: the data is still served as it was.
    assert state["body"] in mam_bodies(server(), state["alice"], with_jid=state["bob"][0])


def test_lost_hosts_and_controller_files_are_restored(state):
    subprocess.run(["docker", "rm", "-f", XMPP, DB], check=True, capture_output=True)
    # The controller loses its lab CA and shared secrets too; only the backup key (the admin's
    # Vault) is left.
    for name in CONTROLLER_DIRS:
        lost = pathlib.Path(EPHEMERAL) / f"{name}.lost"
        shutil.rmtree(lost, ignore_errors=True)
        (pathlib.Path(EPHEMERAL) / name).rename(lost)
    # Docker hands out the lowest free address: the host that had the higher one starts first,
    # so each new machine gets the other's old address.
    order = sorted([(state["address"], XMPP), (state["db_address"], DB)],
                   key=lambda pair: tuple(int(octet) for octet in pair[0].split(".")), reverse=True)
    result, seconds = playbook(os.path.join(os.path.dirname(__file__), "..", "recreate.yml"),
                               {"recreate_hosts": [name for _unused, name in order]})
    assert result.returncode == 0, result.stdout[-3000:]
    # The admin's inventory for the new machines names the XMPP host differently, with
    # restore_from its old name (inventory/host_vars/xmpp-vps2.yml).
    inventories = [new_site_inventory()]
    result, seconds = playbook(str(PLAYBOOKS / "restore.yml"), inventories=inventories)
    assert result.returncode == 0, result.stdout[-5000:]
    state.update(inventories=inventories, xmpp_name=XMPP_NEW_NAME, restore_seconds=seconds)
    with open(os.path.join(PROJECT, "artifacts", "molecule", "backup", "measurements.txt"), "a") as out:
        out.write(f"restore.yml onto bare hosts (incl. site.yml): {seconds:.0f} s\n")
    # New machines: the two hosts did not get their old addresses back.
    address = container_address(XMPP)
    assert (address, container_address(DB)) != (state["address"], state["db_address"])
    # The site follows the XMPP host to its new address: the database lets it in (pg_hba.conf and
    # the firewall), and its old address no longer.
    pg_hba = on_host(DB, "sh", "-c", "cat /etc/postgresql/*/main/pg_hba.conf").stdout
    assert re.search(rf"\s{re.escape(address)}/32\s", pg_hba), pg_hba
    assert not re.search(rf"\s{re.escape(state['address'])}/32\s", pg_hba), pg_hba
    firewall = on_host(DB, "nft", "list", "table", "inet", "xmpp_stack").stdout
    assert re.search(rf"(?<![\d.]){re.escape(address)}(?![\d.])", firewall), firewall
    # Its backups go on under the new name, into a repository of its own on the backup server.
    assert on_host(STORE, "test", "-f", f"/srv/xmpp-stack-backup/{XMPP_NEW_NAME}/config", check=False).returncode == 0
    # The controller's lab CA and secrets are the backed-up ones, byte for byte (the lab CA also
    # holds the TURN certificate it signed for the host's new inventory name).
    for name in CONTROLLER_DIRS:
        root = pathlib.Path(EPHEMERAL) / name
        restored = {path: (root / path).read_bytes() if (root / path).is_file() else None
                    for path in state["controller"][name]}
        same = restored == state["controller"][name]
        assert same, f"the controller's {name} differs from the backup"


def test_clients_find_everything_again(state):
    srv = server()
    alice, bob = state["alice"], state["bob"]
    assert login(srv, *alice).jid.startswith("alice@")
    assert login(srv, *bob).jid.startswith("bob@")
    assert state["body"] in mam_bodies(srv, alice, with_jid=bob[0])
    assert state["body"] in mam_bodies(srv, bob, with_jid=alice[0])
    status, _unused, fetched, _unused = https_request(srv, state["url"])
    assert (status, hashlib.sha256(fetched).hexdigest()) == (200, state["sha256"])
    contacts, fields, owners, members = roster_and_room(srv, alice, ROOM)
    assert contacts == {bob[0]}
    assert (owners, members) == ({alice[0]}, {bob[0]})
    assert fields == state["fields"]
    assert certificate_fingerprint(srv) == state["fingerprint"]


def test_turn_allocates_with_the_restored_secret(state):
    """coturn runs beside Prosody on the XMPP host (a small site). The credentials Prosody hands out
    (XEP-0215) are signed with the backed-up secret, and coturn relays with them: a client on the
    XMPP host relays through coturn over UDP to an echo peer at the host's own (new) address. (TURN
    over TLS is proven in the coturn-prosody scenario, with the client on another host.)"""
    services = external_services(server(), state["alice"])
    turn = [s for s in services if (s["type"], s["transport"]) == ("turn", "udp")]
    assert len(turn) == 1, [(s["type"], s["transport"]) for s in services]
    turn = turn[0]
    secret = state["controller"]["credentials"]["coturn-secret"].decode().split()[0]
    expected = base64.b64encode(hmac.new(secret.encode(), turn["username"].encode(), hashlib.sha1).digest())
    signed_with_the_backed_up_secret = hmac.compare_digest(expected.decode(), turn["password"])
    assert signed_with_the_backed_up_secret
    client = testinfra.get_host(f"docker://{XMPP}")
    address = container_address(XMPP)
    turn_client.start_peer(client, address)
    try:
        result = turn_client.allocate(client, address, turn["username"], turn["password"], address)
        assert turn_client.relayed_all(result), result.stdout[-2000:] + result.stderr[-2000:]
    finally:
        client.run("systemctl stop turn-test-peer.service")
