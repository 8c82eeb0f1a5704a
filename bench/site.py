# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: wall time of site.yml on bare hosts against its idempotent re-run, same hosts, same run.

The hosts are those of the Molecule `stack` scenario (inventories/split: two XMPP hosts, one each of
database, TURN and monitoring, Debian 12 and 13): they are made anew from the bare test-bed images,
site.yml runs once (everything installed and started), then once more (must change nothing). It
prints both times, their ratio, the number of changed tasks and of task results in each run, and
where the time goes (Ansible's own profile_roles and profile_tasks callbacks).

Task results (issue 15): one per host per task that ran on it, the sum over hosts of the PLAY
RECAP's ok (Ansible counts a changed result in ok too; a loop task is one result per host);
skipped results are counted apart (a skip costs no connection to the host).

Usage: .venv/bin/python bench/site.py [--keep]   (--keep leaves the five hosts up afterwards, e.g.
for `molecule converge -s stack` with ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks).
It waits for the stack scenario's lock (scripts/molecule-scenario.sh's) and holds it while it runs:
the benchmark destroys and makes that scenario's hosts.
Not part of `make test`; needs `make bootstrap testbed`. Logs in artifacts/bench/.
"""

from __future__ import annotations

import argparse
import collections
import fcntl
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOGS = os.path.join(ROOT, "artifacts", "bench")
ENV = dict(os.environ, PATH=os.path.join(ROOT, ".venv", "bin") + os.pathsep + os.environ["PATH"],
           ANSIBLE_FORCE_COLOR="0", PY_COLORS="0",
           ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_roles,ansible.posix.profile_tasks",
           PROFILE_ROLES_SORT_ORDER="descending", PROFILE_TASKS_SORT_ORDER="descending",
           PROFILE_TASKS_TASK_OUTPUT_LIMIT="all")
TASK = re.compile(r"^(?:TASK|RUNNING HANDLER) \[(.*)\] \*+$")
RESULT = re.compile(r"^(ok|changed|skipping): \[([^\]\s]+)")


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


def recap_section(text, title):
    """[(name, seconds)] of one profile callback's recap ("ROLES RECAP", "TASKS RECAP"), slowest first."""
    if title not in text:
        return []
    section = text.split(title, 1)[1].split(" RECAP ***", 1)[0]
    rows = re.findall(r"^(\S.*?) -+ (\d+\.\d+)s$", section, re.MULTILINE)
    return [(name.strip(), float(sec)) for name, sec in rows if name.strip() != "total"]


def per_role(text):
    """{role: [task results, skipped]} read from the task headers and result lines of the log.

    A task header is counted once per occurrence (the rolling XMPP play repeats it per batch); a host
    counts once per occurrence with its best status (a loop with some items run is a result)."""
    status = {}
    occurrence, role = 0, "site.yml"
    for line in text.split("PLAY RECAP")[0].splitlines():
        header = TASK.match(line)
        if header:
            occurrence += 1
            name = header.group(1)
            # A role's task: the role; a task file of site.yml: its prefix (firewall | ...).
            role = (name.split(" : ", 1)[0] if " : " in name
                    else "site.yml " + name.split(" | ", 1)[0] if " | " in name else "site.yml")
            continue
        result = RESULT.match(line)
        if result:
            key = (occurrence, result.group(2))
            rank = 0 if result.group(1) == "skipping" else 1
            if status.get(key, (None, -1))[1] < rank:
                status[key] = (role, rank)
    counts = collections.defaultdict(lambda: [0, 0])
    for role, rank in status.values():
        counts[role][0 if rank else 1] += 1
    return dict(sorted(counts.items(), key=lambda item: -item[1][0]))


def summary(log):
    """Figures of one run's log: changed, task results, skipped (PLAY RECAP), per role, profiles."""
    text = open(os.path.join(LOGS, log), encoding="utf-8").read()
    recap = text.split("PLAY RECAP")[-1].split("RECAP ***")[0]

    def count(field):
        return sum(int(n) for n in re.findall(rf"\b{field}=(\d+)", recap))
    return {"changed": count("changed"), "results": count("ok"), "skipped": count("skipped"),
            "per_role": per_role(text), "roles": recap_section(text, "ROLES RECAP"),
            "tasks": recap_section(text, "TASKS RECAP")}


def hold_stack_lock():
    """The lock scripts/molecule-scenario.sh takes for the stack scenario, held until this process ends."""
    lock = open(os.path.join(os.environ.get("TMPDIR", "/tmp"), "xmpp-stack-molecule-stack.lock"), "a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("waiting for the stack scenario's lock (a Molecule run of it is in progress) ...", flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
    return lock


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--keep", action="store_true", help="leave the five hosts running afterwards")
    keep = parser.parse_args().keep
    _lock = hold_stack_lock()
    os.makedirs(LOGS, exist_ok=True)
    molecule("destroy", "destroy.log")
    molecule("create", "create.log")
    molecule("prepare", "prepare.log")
    first = molecule("converge", "first.log")
    rerun = molecule("converge", "rerun.log")
    if not keep:
        molecule("destroy", "destroy-after.log")
    runs = {"first run": summary("first.log"), "re-run": summary("rerun.log")}
    print(f"site.yml on 5 bare hosts (inventories/split), {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f} at the end")
    for label, seconds in (("first run", first), ("re-run", rerun)):
        run = runs[label]
        print(f"  {label + ':':10s} {seconds:7.1f} s  ({run['changed']} changed, {run['results']} task results "
              f"on hosts, {run['skipped']} skipped)")
    print(f"  re-run / first run: {rerun / first:.2f}  (goal: at most 0.20 and 100 task results; "
          "first run goal: under 360 s)")
    for label, run in runs.items():
        print(f"  {label}: task results / skipped by role: "
              + ", ".join(f"{name} {ok}/{skipped}" for name, (ok, skipped) in run["per_role"].items()))
        print(f"  slowest roles in the {label} (wall time spent in each, profile_roles):")
        for name, sec in run["roles"][:6]:
            print(f"    {sec:7.1f} s  {name}")
        print(f"  slowest tasks in the {label} (profile_tasks):")
        for name, sec in run["tasks"][:8]:
            print(f"    {sec:7.1f} s  {name}")
    return 0 if runs["re-run"]["changed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
