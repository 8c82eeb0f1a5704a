"""The prosody role's check of prosody_local_modules: a directory holding mod_NAME.lua, nothing
else, and no silent shadowing of a module Prosody or Debian ships."""

import pytest

from ansible_collections.xmpp.stack.plugins.filter.local_modules import local_module_problems

SHIPPED = ["bookmarks", "mam", "firewall"]


@pytest.fixture()
def module_dir(tmp_path):
    directory = tmp_path / "mod_hello"
    directory.mkdir()
    (directory / "mod_hello.lua").write_text("module:log('info', 'hello')\n")
    return directory


def test_a_directory_holding_the_module_is_accepted(module_dir):
    assert local_module_problems([{"name": "hello", "src": str(module_dir)}], SHIPPED) == []


def test_relative_paths_are_looked_up_from_the_playbook_directory(module_dir):
    entry = {"name": "hello", "src": "mod_hello"}
    assert local_module_problems([entry], SHIPPED, str(module_dir.parent)) == []


def test_replacing_a_shipped_module_needs_the_admins_word(tmp_path):
    directory = tmp_path / "bookmarks"
    directory.mkdir()
    (directory / "mod_bookmarks.lua").write_text("-- a replacement\n")
    entry = {"name": "bookmarks", "src": str(directory)}
    problems = local_module_problems([entry], SHIPPED)
    assert len(problems) == 1
    assert "would replace the bookmarks that Prosody or Debian ships" in problems[0]
    assert "replace_shipped: true" in problems[0]
    assert local_module_problems([dict(entry, replace_shipped=True)], SHIPPED) == []


@pytest.mark.parametrize("make_entry,message", [
    (lambda d: {"name": "hello", "src": str(d / "mod_hello.lua")}, "is a file on the controller: give the directory"),
    (lambda d: {"name": "hello", "src": str(d / "missing")}, "is missing on the controller"),
    (lambda d: {"name": "other", "src": str(d)}, "holds no mod_other.lua"),
    (lambda d: {"name": "Hello", "src": str(d)}, "name 'Hello' must be the module's name without mod_"),
    (lambda d: {"name": "mod_hello", "src": str(d)}, "holds no mod_mod_hello.lua"),
    (lambda d: {"name": "hello"}, "src must be the directory holding mod_hello.lua"),
    (lambda d: "hello", "must be a dictionary with name and src"),
])
def test_anything_else_is_refused_naming_the_entry(module_dir, make_entry, message):
    problems = local_module_problems([make_entry(module_dir)], SHIPPED)
    assert len(problems) == 1
    assert problems[0].startswith("prosody_local_modules[0]")
    assert message in problems[0]
