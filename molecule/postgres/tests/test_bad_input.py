"""Bad variables stop the role in preflight with a message naming the bad value, before any change."""

import pathlib

import pytest

from conftest import ansible_playbook

testinfra_hosts = ["postgres-db"]

CONVERGE = str(pathlib.Path(__file__).parents[1] / "converge.yml")


@pytest.mark.parametrize(
    ("extra_vars", "message"),
    [
        ('{"postgres_allowed_hosts": ["10.0.0.300"]}', "'10.0.0.300' is not an IP address"),
        ('{"postgres_prosody_database": "Prosody-DB"}', "not 'Prosody-DB'"),
        ('{"postgres_backup_on_calendar": "every full moon"}', "every full moon"),
    ],
)
def test_bad_value_is_named_before_anything_changes(host, extra_vars, message):
    hba = "/etc/postgresql/17/main/pg_hba.conf"
    before = host.file(hba).content_string
    result = ansible_playbook(CONVERGE, "--limit", "postgres-db,postgres-app", "-e", extra_vars)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert message in output
    assert "preflight |" in output
    assert host.file(hba).content_string == before
