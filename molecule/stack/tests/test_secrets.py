"""The shared secrets site.yml generated (database password, TURN secret, Prometheus password)
appear in none of its runs' output."""
import pytest
from conftest import credential
from conftest_helpers import assert_not_in_step_logs


@pytest.mark.parametrize("name", ["postgres-prosody", "coturn-secret", "prometheus-web"])
def test_generated_secret_not_in_any_run(name):
    assert_not_in_step_logs(credential(name), "PLAY [XMPP servers]")
