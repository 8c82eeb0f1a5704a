# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: wall time of site.yml on bare hosts against its idempotent re-run, same hosts, same run.

The hosts are those of the Molecule `stack` scenario (inventories/split: two XMPP hosts, one each of
database, TURN and monitoring, Debian 12 and 13): they are made anew from the bare test-bed images,
site.yml runs once (everything installed and started), then once more (must change nothing). It
prints both times, their ratio, the number of changed tasks in each run, and the roles that took
the most time in each (Ansible's own profile_roles callback), so the figures say where time goes.
Usage: .venv/bin/python bench/site.py. Not part of `make test`; needs `make bootstrap testbed`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOGS = os.path.join(ROOT, "artifacts", "bench")
ENV = dict(os.environ, PATH=os.path.join(ROOT, ".venv", "bin") + os.pathsep + os.environ["PATH"],
           ANSIBLE_FORCE_COLOR="0", PY_COLORS="0",
           ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_roles",
           PROFILE_ROLES_SORT_ORDER="descending")


def molecule(step, log, *extra):
    """Runs one Molecule step of the stack scenario; returns its wall time in seconds."""
    start = time.monotonic()
    with open(os.path.join(LOGS, log), "w", encoding="utf-8") as out:
        done = subprocess.run(["molecule", step, "-s", "stack", *extra], cwd=ROOT, env=ENV,
                              stdout=out, stderr=subprocess.STDOUT, check=False)
    elapsed = time.monotonic() - start
    if done.returncode != 0:
        sys.exit(f"molecule {step} failed, see {os.path.join(LOGS, log)}")
    return elapsed


def summary(log):
    """(changed, ok task results over all hosts, [(role, seconds)] slowest first) from a run's log."""
    text = open(os.path.join(LOGS, log), encoding="utf-8").read()
    recap = text.split("PLAY RECAP")[-1]
    changed = sum(int(n) for n in re.findall(r"changed=(\d+)", recap))
    ok = sum(int(n) for n in re.findall(r"\bok=(\d+)", recap))
    roles = re.findall(r"^(\S.*?) -+ (\d+\.\d+)s$", text, re.MULTILINE)
    return changed, ok, [(name.strip(), float(sec)) for name, sec in roles if name.strip() != "total"]


def main():
    os.makedirs(LOGS, exist_ok=True)
    molecule("destroy", "destroy.log")
    molecule("create", "create.log")
    molecule("prepare", "prepare.log")
    first = molecule("converge", "first.log")
    rerun = molecule("converge", "rerun.log")
    molecule("destroy", "destroy-after.log")
    first_changed, first_ok, first_roles = summary("first.log")
    rerun_changed, rerun_ok, rerun_roles = summary("rerun.log")
    print(f"site.yml on 5 bare hosts (inventories/split), {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f} at the end")
    print(f"  first run: {first:7.1f} s  ({first_changed} changed, {first_ok} task results on hosts)")
    print(f"  re-run:    {rerun:7.1f} s  ({rerun_changed} changed, {rerun_ok} task results on hosts)")
    print(f"  re-run / first run: {rerun / first:.2f}  (goal: under 0.20; first run goal: under 360 s)")
    for label, roles in (("first run", first_roles), ("re-run", rerun_roles)):
        print(f"  slowest roles in the {label} (wall time spent in each, profile_roles):")
        for name, sec in roles[:6]:
            print(f"    {sec:7.1f} s  {name}")
    return 0 if rerun_changed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
