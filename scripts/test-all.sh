#!/usr/bin/env bash
# `make test` after the set-up: the gates and the Molecule scenarios side by side; fails if any
# gate or scenario failed, and names them in its last lines.
# Usage: scripts/test-all.sh GATE...   (the Makefile's GATES; the scenarios are `make molecule`'s)
#
# Why side by side: the scenarios leave the machine's two cores idle about a tenth of their time
# (tests waiting on bans, timers, downloads; fresh-clone runs of 2026-12-02: 627 of 5,373 and
# 359 of 4,052 core-seconds), while the gates are pure CPU on the controller and kept both cores
# busy ~95-170 s before the first scenario could start.
#
# How they stay out of the scenarios' way: the lowest CPU priority, for the gates' session as a
# whole. `nice` alone is not enough: with the kernel's automatic session groups (Debian's default,
# /proc/sys/kernel/sched_autogroup_enabled) nice only ranks processes of one session against each
# other, and every session gets a share equal to all the test hosts' (Docker's cgroup) together,
# so gates at nice 19 in make's session still took about half of the cores from booting and
# converging hosts (the stack scenario's create took 138 s beside them, 46 s in the run before).
# So the gates run in a session of their own whose group is set to nice 19 (/proc/self/autogroup;
# where autogroups are off, the processes' own nice 19 does the same).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
[ $# -gt 0 ] || { echo "usage: $0 GATE..." >&2; exit 2; }
mkdir -p artifacts
gates_log=artifacts/gates.log
# -k: every gate runs even when one fails, so one run names all failures; --output-sync keeps
# each gate's output whole in the log.
setsid bash -c 'if [ -w /proc/self/autogroup ]; then echo 19 >/proc/self/autogroup; fi
                exec nice -n 19 make --no-print-directory -k -j2 --output-sync=target "$@"' gates "$@" \
  >"$gates_log" 2>&1 &
gates_pid=$!
# In a session of its own the gates' make no longer gets the terminal's Ctrl-C: pass it on.
trap 'kill -TERM -- "-$gates_pid" 2>/dev/null; exit 130' INT TERM
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
grep -h '^molecule: ' artifacts/molecule/summary.txt 2>/dev/null \
  || echo "molecule: the scenarios did not run (make molecule exited with status $molecule_rc, see above)"
[ "$gates_rc" -eq 0 ] && [ "$molecule_rc" -eq 0 ]
