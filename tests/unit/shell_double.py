"""A stand-in for the admin-shell session in planning tests.

It answers the session helpers' queries from data shaped like what Prosody returned in the
recorded transcripts (fixtures/), and records every write so a test can prove nothing changed.
It never pretends to be a server for protocol tests: those run against real Prosody in Molecule.

It knows only the helpers the module_utils really define, and fails on anything else: a helper
answered here that the code does not define, a call to a helper the session has not defined, a
write helper name that does not exist. A renamed helper therefore breaks the tests instead of
emptying their assertions. Name preparation (xs_jid_prep) is answered from the answers Prosody 13
gave (fixtures/jid_vectors.json); names not in that table get the answer of jidprep.py, which
test_jid_vectors.py holds equal to Prosody's on every entry of the table.
"""

import json
import os
import re

from ansible_collections.xmpp.stack.plugins.module_utils import (
    jidprep,
    prosody_invites,
    prosody_modules,
    prosody_rooms,
    prosody_users,
)
from ansible_collections.xmpp.stack.plugins.module_utils.prosody_lines import MAX_LINE, staged_call, wire_length
from ansible_collections.xmpp.stack.plugins.modules import prosody_info

_CALL = re.compile(r'^> xs_json_out = require"prosody\.util\.json"\.encode\((\w+)\((.*)\)\); return xs_page\(1\)$')
_DEFINES = re.compile(r"^> function (xs_\w+)\(")


def defined_names(lines):
    return {match.group(1) for match in (_DEFINES.match(line) for line in lines) if match}


# Every helper a module_utils file defines in its sessions.
REAL_HELPERS = defined_names(prosody_users.HELPERS + prosody_rooms.HELPERS + prosody_modules.HELPERS
                             + prosody_invites.HELPERS + [prosody_info.INFO_HELPER, prosody_info.COUNT_HELPER])
# The helpers that change Prosody's state.
WRITE_HELPERS = ("xs_user_apply", "xs_room_apply", "xs_module_sync", "xs_invite_create", "xs_invite_revoke")
assert set(WRITE_HELPERS) <= REAL_HELPERS, "a write helper the code does not define: %s" % (
    set(WRITE_HELPERS) - REAL_HELPERS)

with open(os.path.join(os.path.dirname(__file__), "fixtures", "jid_vectors.json"), encoding="utf-8") as _handle:
    VECTORS = json.load(_handle)
PROSODY_ANSWERS = {entry["input"]: entry["answer"] for entry in VECTORS["jids"]}


def python_answer(text):
    """xs_jid_prep's answer for one input, computed by jidprep.py (resources are only noted)."""
    bare, slash, resource = text.partition("/")
    node, at, host = bare.partition("@")
    if not at:
        node, host = None, bare
    if not host or host == "." or (slash and not resource) or (at and (not node or "@" in host)):
        return {"error": "split"}
    try:
        prepared = {"host": jidprep.nameprep(host[:-1] if host.endswith(".") else host)}
    except jidprep.JIDError:
        return {"error": "domain"}
    if node is not None:
        try:
            prepared["node"] = prepared["login"] = jidprep.nodeprep(node)
        except jidprep.JIDError:
            return {"error": "node"}
    if slash:
        prepared["resource"] = resource
    return prepared


def jid_prep_answer(text):
    return PROSODY_ANSWERS[text] if text in PROSODY_ANSWERS else python_answer(text)


class RecordingShell:
    def __init__(self, answers):
        unknown = set(answers) - REAL_HELPERS
        assert not unknown, "the double answers helpers the code does not define: %s" % sorted(unknown)
        self.answers = dict(answers)  # helper name -> callable(args_text) -> python value
        self.calls = []
        self.defined = set()
        self.secrets = set()
        self.prepared = []  # every input xs_jid_prep was asked about

    def define(self, lines):
        self.calls.extend(lines)
        self.defined |= defined_names(lines)

    def check(self, commands, what="command"):
        self.calls.extend(commands)
        return []

    def run(self, commands):
        self.calls.extend(commands)
        return []

    def call_json(self, function, *args):
        assert function in self.defined, "%s called before the session defined it" % function
        staging, final = staged_call(function, args)
        for line in staging + [final]:
            assert wire_length(line) <= MAX_LINE, "a line the admin shell would refuse"
        self.calls.extend(staging)
        if function == "xs_jid_prep" and function not in self.answers:
            self.calls.append(final)
            self.prepared.extend(args[0])
            return json.loads(json.dumps([jid_prep_answer(text) for text in args[0]]))
        return self.json(final)

    def json(self, command):
        self.calls.append(command)
        match = _CALL.match(command)
        assert match, command
        name, args = match.groups()
        return json.loads(json.dumps(self.answers[name](args)))

    def writes(self):
        return [c for c in self.calls if _CALL.match(c) and _CALL.match(c).group(1) in WRITE_HELPERS]

    def close(self):
        pass


class ModuleStandIn:
    """The few AnsibleModule attributes a module's run_module() uses; anything else fails."""

    __slots__ = ("params", "check_mode", "_diff", "warnings")

    def __init__(self, params, check_mode=False, diff=False):
        self.params = params
        self.check_mode = check_mode
        self._diff = diff
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)
