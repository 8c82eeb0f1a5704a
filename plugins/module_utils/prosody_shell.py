# -*- coding: utf-8 -*-
# Copyright: xmpp.stack developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one client that talks to a running Prosody: a single ``prosodyctl shell`` session per task.

Every module of this collection sends its Lua lines through :class:`ProsodyShell`. The session is
kept open for the whole task (read state, plan, then apply in the same process), each command is
followed by a marker line so that its answer can be cut out of the stream, and answers are parsed
into :class:`Answer` objects. Values only ever reach the server as escaped Lua literals on stdin:
never on a command line, where any local user could read them in the process list. The Lua
lines themselves are made in prosody_lines.py (helpers, limits, staged calls) and lua.py (values).
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import time

from ansible_collections.xmpp.stack.plugins.module_utils.prosody_lines import ProsodyError, staged_call

# The transport's names; the Lua side lives in prosody_lines and lua. ProsodyError is re-exported
# because every module and test catches it from here.
__all__ = ["Answer", "ProsodyShell", "ProsodyError", "common_argument_spec", "decode_json_result",
           "explain_failure", "parse_answer", "run_in_session"]

# The marker is built by concatenation in Lua so that the echoed input line never contains it.
_MARK_PREFIX = "XSTACK-MARK"
_MARK_RE = re.compile(r"^\| Result: " + _MARK_PREFIX + r" (\d+)$")
_ECHO_PREFIX = "prosody> "
NOT_RUNNING_HINT = "Unable to connect to server"
# Starting a session: how long the first answer may take, and how often to try.
READY_TIMEOUT = 10
READY_ATTEMPTS = 4
READY_PAUSE = 2


class Answer:
    """The answer to one command: ``ok`` is False when Prosody said ``! ...``."""

    def __init__(self, lines):
        self.lines = list(lines)
        self.ok = not any(line.startswith("! ") for line in self.lines)

    @property
    def message(self):
        """The text of the answer without the ``| `` / ``! `` prefixes and the ``Error:`` word."""
        texts = []
        for line in self.lines:
            text = line[2:] if line[:2] in ("| ", "! ") else line
            for prefix in ("Error: ", "OK: ", "Result: "):
                if text.startswith(prefix):
                    text = text[len(prefix):]
                    break
            texts.append(text)
        return "\n".join(texts).strip()

    @property
    def result(self):
        """The value printed by a raw Lua line (``| Result: VALUE``), multi-line tables joined."""
        if not self.lines or not self.lines[0].startswith("| Result: "):
            return None
        first = self.lines[0][len("| Result: "):]
        return "\n".join([first] + self.lines[1:])

    def __repr__(self):
        return "Answer(ok=%r, lines=%r)" % (self.ok, self.lines)


class ProsodyShell:
    """One ``prosodyctl shell --quiet`` process for the lifetime of a task.

    ``run()`` may be called several times (read, then write); each call sends its lines, waits
    for the marker after the last one and returns one :class:`Answer` per line. ``secrets`` are
    masked in every error this class raises, whatever Prosody echoes back.
    """

    def __init__(self, prosodyctl="prosodyctl", timeout=300, popen=subprocess.Popen):
        self.argv = [prosodyctl, "shell", "--quiet"]
        self.timeout = timeout
        self._popen = popen
        self._proc = None
        self._counter = 0
        self._buffer = b""
        self.secrets = set()

    # -- process handling -------------------------------------------------------------------
    def _start(self):
        """Open the session and wait until Prosody answers a first line.

        Right after Prosody was restarted (a role's handler), a shell may connect and then
        never be answered, or find no socket yet: such a start is retried a few times before
        the last error is reported.
        """
        error = None
        for attempt in range(READY_ATTEMPTS):
            if attempt:
                time.sleep(READY_PAUSE)
            self._spawn()
            try:
                # Marker 0 is the readiness probe; commands are numbered from 1.
                self._send('> "%s" .. " 0"\n' % _MARK_PREFIX)
                self._collect(0, 0, min(self.timeout, READY_TIMEOUT))
                return
            except ProsodyError as exc:
                error = exc
                self._kill()
        raise error

    def _spawn(self):
        self._buffer = b""
        env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
        try:
            self._proc = self._popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=env)
        except OSError as exc:
            raise ProsodyError("cannot run %s: %s" % (self.argv[0], exc))

    def _send(self, text):
        try:
            self._proc.stdin.write(text.encode("utf-8"))
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the reader reports why the shell went away

    def _kill(self):
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None

    def close(self):
        """End the session (end of input makes prosodyctl exit)."""
        if self._proc is None:
            return
        try:
            self._proc.stdin.close()
        except OSError:
            pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._proc = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _mask(self, text):
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret:
                text = text.replace(secret, "********")
        return text

    def _read_line(self, deadline, timeout):
        """Read one output line, failing when the server goes away or the timeout passes."""
        out = self._proc.stdout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProsodyError("prosodyctl shell did not answer within %s s" % timeout)
            ready = select.select([out], [], [], remaining)[0]
            if not ready:
                continue
            chunk = os.read(out.fileno(), 65536)
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode("utf-8", "replace")

    # -- the protocol ---------------------------------------------------------------------------
    def run(self, commands):
        """Send Lua lines, return their answers in order. Raise ProsodyError when unreachable.

        One line at a time: the next line is written only when the previous one is answered.
        Written in bulk, lines pile up in the admin socket and Prosody closes the session when
        one read holds more than its stanza limit (seen with a few hundred kB of input).
        """
        commands = list(commands)
        if self._proc is None and commands:
            self._start()
        answers = []
        for command in commands:
            if "\n" in command or "\r" in command:
                raise ProsodyError("internal error: a shell command spans several lines")
            self._counter += 1
            self._send('%s\n> "%s" .. " %d"\n' % (command, _MARK_PREFIX, self._counter))
            answers.extend(self._collect(self._counter, self._counter))
        return answers

    def _collect(self, first, last, timeout=None):
        timeout = timeout or self.timeout
        deadline = time.monotonic() + timeout
        answers = {}
        current = []
        seen = []
        while True:
            line = self._read_line(deadline, timeout)
            if line is None:
                break
            seen.append(line)
            if line.startswith(_ECHO_PREFIX):
                # Without readline the shell echoes "prosody> INPUT"; with lua-readline installed
                # it prints the prompt and the answer on one line: "prosody> | Result: ...".
                while line.startswith(_ECHO_PREFIX):
                    line = line[len(_ECHO_PREFIX):]
                if not line.startswith(("| ", "! ")):
                    continue
            match = _MARK_RE.match(line)
            if match:
                number = int(match.group(1))
                answers[number] = parse_answer(current)
                current = []
                if number == last:
                    return [answers.get(n, Answer(["! Error: no answer"])) for n in range(first, last + 1)]
                continue
            current.append(line)
        raise ProsodyError(self._mask(explain_failure(seen)))

    def check(self, commands, what="command"):
        """Like run(), but raise ProsodyError on the first answer that is an error."""
        answers = self.run(commands)
        for command, answer in zip(commands, answers):
            if not answer.ok:
                raise ProsodyError(self._mask("Prosody refused %s: %s" % (what, answer.message)))
        return answers

    def define(self, lines):
        """Define the session helpers (Lua lines) a module uses."""
        self.check(lines, "the session helpers")

    def call_json(self, function, *args):
        """Call a session helper with Python arguments and return its decoded JSON result,
        staging arguments too long for one admin-shell line."""
        staging, final = staged_call(function, args)
        if staging:
            self.check(staging, "staged arguments")
        pages = [self._page(final)]
        while pages[-1].startswith("+"):
            pages.append(self._page("> xs_page(%d)" % (len(pages) + 1)))
        return decode_json_result("".join(page[1:] for page in pages))

    def _page(self, command):
        answer = self.run([command])[0]
        text = answer.result
        if not answer.ok or text is None or text[:1] not in ("+", "."):
            raise ProsodyError(self._mask("Prosody could not evaluate a query: %s" % answer.message))
        return text


def parse_answer(lines):
    """Build an Answer from the raw lines between two markers."""
    return Answer([line for line in lines if line != ""])


def decode_json_result(text):
    """Decode what util.json printed; an empty Lua table prints as ``[]`` or ``{}``."""
    try:
        return json.loads(text)
    except ValueError:
        raise ProsodyError("Prosody answered something that is not JSON: %.200s" % text)


def explain_failure(lines):
    """Turn the output of a shell that ended early into one clear sentence."""
    text = "\n".join(line for line in lines if not line.startswith(_ECHO_PREFIX)).strip()
    if NOT_RUNNING_HINT in text:
        return ("Prosody is not running or mod_admin_shell is not enabled (prosodyctl shell: %s)"
                % " ".join(text.replace("**", "").split()))
    return "prosodyctl shell ended unexpectedly: %s" % (text or "no output")


def common_argument_spec(**options):
    """The options every module shares (see the doc fragment xmpp.stack.prosody), plus its own."""
    spec = dict(
        prosodyctl=dict(type="path", default="prosodyctl"),
        timeout=dict(type="int", default=300),
    )
    spec.update(options)
    return spec


def run_in_session(module, task):
    """Runs task(shell) in the module's one admin-shell session and exits with its result dict.

    The session is closed whatever happens; a ProsodyError becomes a failed task whose message
    never carries a secret (the module's no_log values are masked by the shell too).
    """
    shell = ProsodyShell(module.params["prosodyctl"], module.params["timeout"])
    shell.secrets.update(module.no_log_values)
    try:
        result = task(shell)
    except ProsodyError as exc:
        module.fail_json(msg=str(exc))
    finally:
        shell.close()
    module.exit_json(**result)
