"""The prosody role's preflight on the scenario's host: prosody_local_modules and admins are
checked before anything is installed or changed (issue 14)."""

import os

import pytest
import yaml

from conftest import EPHEMERAL, HOST, run_playbook

PLAY = {"name": "the role's preflight alone", "hosts": HOST, "become": True, "gather_facts": True,
        "tasks": [{"name": "preflight", "ansible.builtin.include_role": {
            "name": "xmpp.stack.prosody", "tasks_from": "preflight.yml"}}]}


@pytest.fixture(scope="module")
def module_dir():
    directory = os.path.join(EPHEMERAL, "local-modules", "mod_hello")
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "mod_hello.lua"), "w") as handle:
        handle.write("module:log('info', 'hello');\n")
    return directory


def preflight(extra):
    return run_playbook(yaml.safe_dump([PLAY]), json_output=False, extra_vars=extra)[:2]


def test_a_local_module_directory_and_a_respelled_admin_pass(module_dir):
    code, output = preflight({"prosody_local_modules": [{"name": "hello", "src": module_dir}],
                              "prosody_admins": ["Straße@example.test"]})
    assert code == 0, output
    assert "strasse@example.test" in output  # the warning names the JID Prosody uses


@pytest.mark.parametrize("extra,message", [
    ({"prosody_local_modules": [{"name": "hello", "src": "FILE"}]}, "is a file on the controller"),
    ({"prosody_local_modules": [{"name": "bookmarks", "src": "DIR"}]}, "would replace the bookmarks"),
    ({"prosody_admins": ["ad min@example.test"]}, "admin 'ad min@example.test': the local part"),
    ({"prosody_admins": ["admin@example.test/phone"]}, "has a resource"),
])
def test_bad_local_modules_and_admins_fail_the_preflight(module_dir, extra, message):
    for entry in extra.get("prosody_local_modules", []):
        entry["src"] = {"FILE": os.path.join(module_dir, "mod_hello.lua"), "DIR": module_dir}[entry["src"]]
    code, output = preflight(extra)
    assert code != 0
    assert message in output
