"""prosody_info's result: version, hosts, components, the storage in use and, when asked, the
counts of what Prosody keeps there (answers shaped as Prosody's util.json gives them)."""

import pytest

from ansible_collections.xmpp.stack.plugins.modules import prosody_info

import shell_double

INFO = {"version": "13.0.1", "storage": "sql",
        "hosts": {"example.test": {"modules": ["c2s", "mam"], "users": 2}},
        "components": {"conference.example.test": {"module": "muc", "modules": ["muc"], "rooms": 1}}}
COUNTS = {"accounts": 2, "roster_items": 3, "archived_messages": 7, "rooms": 1, "room_messages": 4}


@pytest.fixture
def shell():
    return shell_double.RecordingShell({"xs_info": lambda args: INFO,
                                        "xs_storage_counts": lambda args: COUNTS})


def test_facts_name_the_storage_in_use_and_count_nothing_unasked(shell):
    result = prosody_info.facts(shell)
    assert result == {"changed": False, "version": "13.0.1", "storage": "sql",
                      "hosts": INFO["hosts"], "components": INFO["components"]}
    assert not any("xs_storage_counts" in call for call in shell.calls)
    assert shell.writes() == []


def test_counts_when_asked(shell):
    result = prosody_info.facts(shell, counts=True)
    assert result["counts"] == COUNTS and result["storage"] == "sql"
    assert shell.writes() == []


def test_an_unset_storage_is_internal_and_empty_tables_are_dicts():
    answer = {"version": "13.0.1", "storage": "internal", "hosts": [], "components": []}
    double = shell_double.RecordingShell({"xs_info": lambda args: answer})
    result = prosody_info.facts(double)
    assert result["storage"] == "internal" and result["hosts"] == {} and result["components"] == {}
