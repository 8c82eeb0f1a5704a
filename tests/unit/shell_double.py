"""A stand-in for the admin-shell session in planning tests.

It answers the session helpers' queries from data shaped like what Prosody returned in the
recorded transcripts (fixtures/), and records every write so a test can prove nothing changed.
It never pretends to be a server for protocol tests: those run against real Prosody in Molecule.
"""

import json
import re

from ansible_collections.xmpp.stack.plugins.module_utils.prosody_shell import MAX_LINE, staged_call, wire_length

_CALL = re.compile(r'^> xs_json_out = require"prosody\.util\.json"\.encode\((\w+)\((.*)\)\); return xs_page\(1\)$')
WRITE_HELPERS = ("xs_user_apply", "xs_room_apply", "xs_module_apply")


class RecordingShell:
    def __init__(self, answers):
        self.answers = answers  # helper name -> callable(args_text) -> python value
        self.calls = []
        self.secrets = set()

    def define(self, lines):
        self.calls.extend(lines)

    def check(self, commands, what="command"):
        self.calls.extend(commands)
        return []

    def run(self, commands):
        self.calls.extend(commands)
        return []

    def call_json(self, function, *args):
        staging, final = staged_call(function, args)
        for line in staging + [final]:
            assert wire_length(line) <= MAX_LINE, "a line the admin shell would refuse"
        self.calls.extend(staging)
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
