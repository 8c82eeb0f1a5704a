"""The shared secret never shows in what Ansible printed while converging this scenario."""
import os
import pathlib

import pytest

testinfra_hosts = ["ansible://coturn-server"]

# scripts/molecule-scenario.sh keeps each step's output here before verify runs.
STEPS = ("converge", "idempotence", "check")


def step_logs():
    root = pathlib.Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / "artifacts" / "molecule" / "coturn"
    return {step: root / f"{step}.log" for step in STEPS}


def test_secret_not_in_ansible_output(secret):
    logs = step_logs()
    missing = [str(path) for path in logs.values() if not path.exists()]
    if missing:
        pytest.skip(f"run through scripts/molecule-scenario.sh to have step logs: {missing}")
    for step, path in logs.items():
        text = path.read_text(encoding="utf-8", errors="replace")
        # The log is this role's run (not an empty or foreign file)...
        assert "Configure | Write turnserver.conf" in text, step
        # ...and the secret appears nowhere in it; a bare boolean keeps pytest from printing it.
        leaked = secret in text
        assert not leaked, f"the secret appears in the {step} output"
