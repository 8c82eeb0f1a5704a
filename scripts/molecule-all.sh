#!/usr/bin/env bash
# Runs the given Molecule scenarios JOBS at a time; fails if any failed, and names them.
# Usage: scripts/molecule-all.sh JOBS SCENARIO...
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
jobs=$1; shift
mkdir -p artifacts/molecule
for s in "$@"; do rm -f "artifacts/molecule/$s.passed"; done
t0=$SECONDS
printf '%s\n' "$@" | xargs -P "$jobs" -I{} bash -c \
  'if scripts/molecule-scenario.sh {} > artifacts/molecule/{}.out 2>&1; then
     touch artifacts/molecule/{}.passed; echo "[molecule {}] passed"; else echo "[molecule {}] FAILED"; cat artifacts/molecule/{}.out; exit 1; fi'
rc=$?
failed=()
for s in "$@"; do [ -e "artifacts/molecule/$s.passed" ] || failed+=("$s"); done
passed=$(( $# - ${#failed[@]} ))
echo "molecule took $((SECONDS - t0)) s${failed:+; failed: ${failed[*]}}"
echo "molecule: ${passed} passed, ${#failed[@]} failed"
[ "$rc" -eq 0 ] && [ ${#failed[@]} -eq 0 ]
