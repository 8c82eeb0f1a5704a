"""The shared secret never shows in what Ansible printed while converging this scenario."""
from conftest_helpers import assert_not_in_step_logs

testinfra_hosts = ["ansible://coturn-server"]


def test_secret_not_in_ansible_output(secret):
    assert_not_in_step_logs(secret, "Configure | Write turnserver.conf")
