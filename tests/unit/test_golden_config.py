"""prosody.cfg.lua renders byte for byte as committed, for the variable sets of the prosody and
stack scenarios and of the variants (tests/golden/inventory.yml); so do the web client's settings
per VirtualHost and the derived values the role's tasks read (<case>.model.json).

The expected files were rendered from the configuration model before it was rewritten; a change
that is meant to alter the configuration updates them in the same commit, with
``GOLDEN_UPDATE=1 python -m pytest tests/unit/test_golden_config.py``.
"""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden")
EXPECTED = os.path.join(GOLDEN, "expected")
CASES = ["prosody-trixie", "prosody-bookworm", "xmpp1.example.org", "xmpp2.example.net",
         "variant-port443", "variant-external-url", "variant-https-port", "variant-no-hosts"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("golden")
    env = dict(os.environ, GOLDEN_OUTPUT_DIR=str(out), ANSIBLE_ROLES_PATH=os.path.join(GOLDEN, "roles"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0")
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    proc = subprocess.run([playbook, "-i", os.path.join(GOLDEN, "inventory.yml"),
                           os.path.join(GOLDEN, "render.yml")],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def _case_files(directory, case):
    return sorted(name for name in os.listdir(str(directory)) if name.startswith(case + "."))


@pytest.mark.parametrize("case", CASES)
def test_config_renders_as_committed(rendered, case):
    names = _case_files(rendered, case)
    assert case + ".cfg.lua" in names and case + ".model.json" in names, names
    if os.environ.get("GOLDEN_UPDATE") == "1":
        for name in names:
            with open(os.path.join(EXPECTED, name), "wb") as handle:
                handle.write((rendered / name).read_bytes())
    assert names == _case_files(EXPECTED, case)
    for name in names:
        with open(os.path.join(EXPECTED, name), "rb") as handle:
            expected = handle.read()
        assert (rendered / name).read_bytes() == expected, "%s differs from %s" % (name, EXPECTED)
