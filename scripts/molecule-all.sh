#!/usr/bin/env bash
# Runs the given Molecule scenarios JOBS at a time; fails if any failed, and names them.
# Usage: scripts/molecule-all.sh JOBS SCENARIO...
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
jobs=$1; shift
mkdir -p artifacts/molecule
for s in "$@"; do rm -f "artifacts/molecule/$s.passed"; done
rm -f artifacts/molecule/summary.txt
t0=$SECONDS
printf '%s\n' "$@" | xargs -P "$jobs" -I{} bash -c \
  'if scripts/molecule-scenario.sh {} > artifacts/molecule/{}.out 2>&1; then
     touch artifacts/molecule/{}.passed; echo "[molecule {}] passed"; else echo "[molecule {}] FAILED"; cat artifacts/molecule/{}.out; exit 1; fi'
rc=$?
failed=()
for s in "$@"; do [ -e "artifacts/molecule/$s.passed" ] || failed+=("$s"); done
passed=$(( $# - ${#failed[@]} ))
# The full output of a failed scenario scrolled past above; CI shows only the end of the output,
# so each failure is summed up again here: the step that failed and its error lines.
for s in "${failed[@]}"; do
  # molecule-scenario.sh names the failed step's log (artifacts/molecule/<scenario>/<step>.log).
  log=$(sed -n 's/.*last lines of \(.*\.log\):.*/\1/p' "artifacts/molecule/$s.out" | head -1)
  echo "== $s: ${log:+$(basename "$log" .log) }FAILED =="
  [ -n "$log" ] && [ -e "$log" ] &&
    grep -E 'fatal:|FAILED!|Error|^\s+msg:|"msg"|^E  ' "$log" | grep -v 'return code was' | cut -c1-400 | tail -12
done
echo "molecule took $((SECONDS - t0)) s${failed:+; failed: ${failed[*]}}"
# The last line, kept for scripts/test-all.sh to repeat after the gates' output.
echo "molecule: ${passed} passed, ${#failed[@]} failed" | tee artifacts/molecule/summary.txt
[ "$rc" -eq 0 ] && [ ${#failed[@]} -eq 0 ]
