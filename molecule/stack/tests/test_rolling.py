"""A broken change stops at the first XMPP host: site.yml updates the XMPP hosts one at a time and
ends at the first failure, so the second host is never touched and both keep serving."""
import json

from conftest import recap, run_site
from xmpp_client import login


def test_a_failing_host_stops_the_rollout_before_the_next_one(servers, accounts):
    # A typo in a package name: valid input, but the first XMPP host fails to install it.
    result = run_site("--tags", "prosody", "-e", json.dumps({"prosody_extra_packages": ["xmpp-stack-no-such-package"]}))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    xmpp_play = output[output.index("PLAY [XMPP servers]"):]
    assert "fatal: [xmpp1.example.org]" in xmpp_play
    assert "xmpp-stack-no-such-package" in xmpp_play
    # The second host got no task at all, and nothing changed anywhere.
    assert "xmpp2.example.net" not in xmpp_play.split("PLAY RECAP")[0]
    assert {counters["changed"] for counters in recap(output).values()} == {0}, output[output.rindex("PLAY RECAP"):]
    # Both domains still serve their users.
    assert login(servers["xmpp1.example.org"], *accounts["alice"]).jid.startswith("alice@")
    assert login(servers["xmpp2.example.net"], *accounts["bob"]).jid.startswith("bob@")
