#!/usr/bin/env bash
# Puts Prosody's SQLite3 database (argument 1) in WAL mode, as the prosody user: run by
# tasks/sqlite_journal.yml on Debian 12, where Prosody opens the file through LuaDBI and cannot
# set it itself. Live first: SQLite keeps WAL in the file, and Prosody's open connection follows
# it at its next transaction. The switch needs the file to itself for a moment. A transaction
# Prosody could not commit (a write that met a reader under the rollback journal: "commit
# failed") keeps its lock until Prosody's next commit, which on a quiet server may be long: when
# the file stays locked, Prosody is stopped for the switch and started again.
set -euo pipefail
database=$1

switch() { # switch SECONDS: prints the journal mode SQLite reports after the PRAGMA
  runuser -u prosody -- python3 -c '
import os, sqlite3, sys
os.umask(0o027)  # a file made here is as private as the ones Prosody makes
db = sqlite3.connect(sys.argv[1], timeout=float(sys.argv[2]))
try:
    print(db.execute("PRAGMA journal_mode=WAL").fetchone()[0])
finally:
    db.close()' "$database" "$1"
}

if answer=$(switch 15 2>&1) && [ "$answer" = wal ]; then
  echo "switched live"
  exit 0
fi
if [[ $answer != *"database is locked"* ]]; then
  echo "$database: $answer" >&2
  exit 1
fi
systemctl stop prosody.service
status=0
answer=$(switch 60 2>&1) || status=$?
systemctl start prosody.service
if [ "$status" -ne 0 ] || [ "$answer" != wal ]; then
  echo "$database stayed out of WAL mode: $answer" >&2
  exit 1
fi
timeout 30 bash -c 'until [ -S /var/lib/prosody/prosody.sock ]; do sleep 0.5; done'
echo "switched with Prosody stopped and started again"
