"""SCRAM comparison against account records that Prosody 13 wrote itself (fixtures/)."""

import json
import os

import pytest

from ansible_collections.xmpp.stack.plugins.module_utils import scram

with open(os.path.join(os.path.dirname(__file__), "fixtures", "scram_records.json")) as handle:
    FIXTURE = json.load(handle)
PASSWORD = FIXTURE["password"]
RECORDS = FIXTURE["records"]


@pytest.mark.parametrize("hash_name", ["SHA-1", "SHA-256"])
def test_derive_reproduces_prosodys_own_keys(hash_name):
    record = RECORDS[hash_name]
    stored, server = scram.derive(PASSWORD, record["salt"], record["iteration_count"], hash_name)
    assert (stored, server) == (record["stored_key"], record["server_key"])


def test_new_credentials_use_a_fresh_salt_and_verify():
    first = scram.new_credentials("s3cret", "SHA-256", 4096)
    second = scram.new_credentials("s3cret", "SHA-256", 4096)
    assert first["salt"] != second["salt"]
    assert first["iteration_count"] == 4096
    assert scram.derive("s3cret", first["salt"], 4096, "SHA-256") == (first["stored_key"], first["server_key"])
    assert scram.HEX_LENGTH[len(first["stored_key"])] == "SHA-256"


def test_saslprep_maps_like_prosody():
    # Non-ASCII space becomes SPACE; soft hyphen (B.1) vanishes; NFKC folds the ligature.
    assert scram.saslprep("a\u00a0b\u00adc\ufb01") == "a bcfi"


@pytest.mark.parametrize("bad", ["new\nline", "tab\tchar", "nul\0", "\u200e"])
def test_saslprep_refuses_prohibited_characters(bad):
    with pytest.raises(scram.ScramError):
        scram.saslprep(bad)


def test_unknown_hash_is_refused():
    with pytest.raises(scram.ScramError, match="unsupported password hash 'SHA-512'"):
        scram.derive("x", "salt", 4096, "SHA-512")


def test_parallel_map_keeps_order():
    items = list(range(20))
    assert scram.run_parallel(lambda x: x * 2, items, workers=2) == [x * 2 for x in items]
