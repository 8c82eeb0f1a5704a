"""The generated passwords never appear in Ansible's output, even verbose."""

import os
import pathlib

from conftest import PROJECT, ansible_playbook

testinfra_hosts = ["postgres-db"]


def scenario_logs():
    """Every step's log that scripts/molecule-scenario.sh kept (none when run by hand)."""
    log_dir = PROJECT / "artifacts" / "molecule" / os.environ["MOLECULE_SCENARIO_NAME"]
    return {log.name: log.read_text(errors="replace") for log in sorted(log_dir.glob("*.log"))}


def test_no_output_contains_the_passwords(db_password, app_password):
    # A fresh verbose check-mode run prints the module arguments and results of every task.
    result = ansible_playbook(
        str(pathlib.Path(__file__).parents[1] / "converge.yml"), "--check", "--diff", "-vv", "--limit", "xmpp_db"
    )
    assert result.returncode == 0, result.stdout[-3000:]
    outputs = {"verbose check run": result.stdout + result.stderr, **scenario_logs()}
    assert "Create the Prosody role" in outputs["verbose check run"]  # the run reached the password task
    for name, text in outputs.items():
        assert db_password not in text, name
        assert app_password not in text, name
