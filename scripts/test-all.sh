#!/usr/bin/env bash
# `make test` after the set-up: the gates and the Molecule scenarios side by side; fails if any
# gate or scenario failed, and names them in its last lines.
# Usage: scripts/test-all.sh GATE...   (the Makefile's GATES; the scenarios are `make molecule`'s)
#
# Why side by side: the scenarios leave the machine's two cores idle about a tenth of their time
# (tests waiting on bans, timers, downloads; fresh-clone run of 2026-12-02: 627 of 5,373
# core-seconds), while the gates are pure CPU on the controller and kept both cores busy ~170 s
# before the first scenario could start. At nice 19 the gates take only what the scenarios leave:
# the kernel gives a nice-19 process about 1/70 of a nice-0 one's share when both want a core, so
# the scenarios' timing-sensitive tests (bans, TURN allocations, alerts) see almost nothing of them.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
[ $# -gt 0 ] || { echo "usage: $0 GATE..." >&2; exit 2; }
mkdir -p artifacts
gates_log=artifacts/gates.log
# -k: every gate runs even when one fails, so one run names all failures; --output-sync keeps
# each gate's output whole in the log.
nice -n 19 make --no-print-directory -k -j2 --output-sync=target "$@" >"$gates_log" 2>&1 &
gates_pid=$!
# The scenarios stream their lines as they finish (molecule-all.sh).
make --no-print-directory molecule
molecule_rc=$?
wait "$gates_pid"
gates_rc=$?

# The gates' output, whole, after the scenarios' lines (CI shows the end of the output).
echo "== gates ($*), run beside the scenarios at nice 19: artifacts/gates.log =="
cat "$gates_log"
# make names each failed target in a line "make[LEVEL]: *** [Makefile:LINE: TARGET] Error N"
# ("make:" at the top level).
mapfile -t failed < <(sed -n 's/^make\(\[[0-9]*\]\)\{0,1\}: \*\*\* \[[^]]*: \([a-z-]*\)\] Error.*/\2/p' "$gates_log")
if [ "$gates_rc" -ne 0 ] && [ ${#failed[@]} -eq 0 ]; then
  echo "gates: make exited with status $gates_rc without naming a gate (see above)"
else
  echo "gates: $(( $# - ${#failed[@]} )) passed, ${#failed[@]} failed${failed:+: ${failed[*]}}"
fi
# molecule-all.sh's summary again, so the last two lines sum up the whole suite.
grep -h '^molecule: ' artifacts/molecule/summary.txt 2>/dev/null | tail -1
[ "$gates_rc" -eq 0 ] && [ "$molecule_rc" -eq 0 ]
