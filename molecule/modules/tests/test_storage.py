"""The scenario's host stores in SQLite3 on Debian 13: Prosody opens the file through LuaSQLite3
and the role's sqlite_tune (normal) puts it in WAL mode, so a commit does not wait for the disk
(roles/prosody/README.md, Storage and "Bigger servers")."""

import json
import shlex

from conftest_helpers import sqlite_journal_mode

DATABASE = "/var/lib/prosody/prosody.sqlite"


def test_the_database_is_in_wal_mode_through_luasqlite3(host):
    assert host.package("lua-lsqlite3").is_installed
    config = host.file("/etc/prosody/prosody.cfg.lua").content_string
    assert 'sqlite_tune = "normal"' in config
    database = host.file(DATABASE)
    assert database.user == "prosody"
    assert database.mode & 0o007 == 0
    assert sqlite_journal_mode(host, DATABASE) == "wal"
    # The write-ahead log exists while Prosody holds the database open, owned by Prosody.
    assert host.file(DATABASE + "-wal").user == "prosody"


def test_accounts_live_in_the_database(host, accounts):
    jid = accounts("stored")
    node, domain = jid.split("@")
    created = host.run("prosodyctl shell user create %s %s" % (jid, "pw-" + node))
    assert created.rc == 0, created.stdout + created.stderr
    # As the prosody user, read-only: Prosody keeps the WAL files open meanwhile.
    query = ("import json, sqlite3; db = sqlite3.connect('file:%s?mode=ro', uri=True); "
             "print(json.dumps(db.execute('select count(*) from prosody where host=? and store=? and user=?', "
             "(%r, 'accounts', %r)).fetchone()[0]))" % (DATABASE, domain, node))
    result = host.run("runuser -u prosody -- python3 -c %s" % shlex.quote(query))
    assert result.rc == 0, result.stderr
    assert json.loads(result.stdout) > 0
    assert not host.file("/var/lib/prosody/%s/accounts" % domain.replace(".", "%2e")).exists
