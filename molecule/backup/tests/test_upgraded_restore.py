"""restore.yml onto the upgraded hosts, with restore_overwrite: each host goes back to its first
snapshot, made on Debian 12 (the database's dump from PostgreSQL 15), named by ID in its
restore_snapshot. The run's site.yml converges the Debian 13 hosts (the postgres role on the 17
cluster that pg_upgradecluster made), and the 15 dump loads into PostgreSQL 17. The XMPP host
restores the snapshot of its old name (restore_from, new machines' inventory). Newer data (carol
and her message, backed up by upgrade.yml) is gone, the older data is there, and the replaced data
directory is kept aside."""
import hashlib
import json
import os
import pathlib

import pytest
from conftest import DB, EPHEMERAL, PROJECT, XMPP, on_host, playbook, server
from xmpp_client import LoginFailed, https_request, login, mam_bodies

PLAYBOOKS = pathlib.Path(PROJECT) / "playbooks"


def test_overwrite_restores_the_first_snapshots_into_postgresql_17(state):
    srv = server()
    alice, bob = state["alice"], state["bob"]
    # The database host backed up again before its upgrade: its newest snapshot is not the first.
    newest = json.loads(on_host(DB, "xmpp-stack-restic", "snapshots", "--json", "--latest", "1",
                                "--host", DB).stdout)[-1]["short_id"]
    assert newest != state["first_snapshots"][DB]
    snapshots = pathlib.Path(EPHEMERAL) / "restore-first-snapshots.yml"
    names = {XMPP: state["xmpp_name"], DB: DB}
    per_host = {names[host]: {"restore_snapshot": snapshot} for host, snapshot in state["first_snapshots"].items()}
    snapshots.write_text(json.dumps({"all": {"hosts": per_host}}))
    result, seconds = playbook(str(PLAYBOOKS / "restore.yml"), {"restore_overwrite": True},
                               inventories=state["inventories"] + [snapshots])
    assert result.returncode == 0, result.stdout[-5000:]
    with open(os.path.join(PROJECT, "artifacts", "molecule", "backup", "measurements.txt"), "a") as out:
        out.write(f"restore.yml with restore_overwrite and named snapshots onto Debian 13: {seconds:.0f} s\n")
    assert on_host(DB, "pg_lsclusters", "--no-header").stdout.split()[:4] == ["17", "main", "5432", "online"]
    assert on_host(XMPP, "sh", "-c", "test -d /var/lib/prosody.replaced-*", check=False).returncode == 0
    assert login(srv, *alice).jid.startswith("alice@")
    assert state["body"] in mam_bodies(srv, alice, with_jid=bob[0])
    assert state["body"] in mam_bodies(srv, bob, with_jid=alice[0])
    with pytest.raises(LoginFailed, match="auth"):
        login(srv, *state["carol"])
    status, _unused, fetched, _unused = https_request(srv, state["url"])
    assert (status, hashlib.sha256(fetched).hexdigest()) == (200, state["sha256"])
