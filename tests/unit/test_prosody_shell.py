"""The admin-shell client: Lua quoting, answer parsing against a real Prosody 13 transcript."""

import os
import re

import pytest

from ansible_collections.xmpp.stack.plugins.module_utils import lua, prosody_lines
from ansible_collections.xmpp.stack.plugins.module_utils import prosody_shell as ps

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def lua_unquote(literal):
    """Decode the subset of Lua string syntax lua_quote produces (to prove it round-trips)."""
    assert literal[0] == literal[-1] == '"'
    body = literal[1:-1]
    assert '"' not in re.sub(r"\\\d{3}", "", body)
    raw = re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1))), body)
    return raw.encode("latin-1").decode("utf-8")


@pytest.mark.parametrize("value", [
    "plain", 'quote " inside', "back\\slash", "new\nline", "cr\rlf", "nul\0byte", "tab\t",
    "unicode é ✓ 😀", "]] long-bracket end", "\\\"", "digits after escape \n123", "",
])
def test_lua_quote_round_trips_and_stays_on_one_printable_line(value):
    literal = lua.quote(value)
    assert lua_unquote(literal) == value
    assert all(0x20 <= ord(ch) < 0x7F for ch in literal)
    assert "\n" not in literal and "\r" not in literal


def test_lua_quote_escapes_always_take_three_digits():
    # "\n1" must not become \101 (the letter e) in Lua.
    assert lua.quote("\n1") == '"\\0101"'


def test_lua_value_renders_nested_structures():
    assert lua.value({"a": [1, True, None, "x"]}) == '{["a"]={1,true,nil,"x"}}'
    assert lua.value(1.5) == "1.5"
    with pytest.raises(TypeError):
        lua.value(object())
    with pytest.raises(TypeError):
        lua.quote(5)


def test_one_line_joins_a_snippet():
    assert prosody_lines.one_line("""
        > function f()
          return 1
        end
    """) == "> function f() return 1 end"


def transcript_popen(name, exit_code=0):
    """A real child process that plays a recorded Prosody transcript on its stdout."""
    import subprocess

    def popen(argv, **kwargs):
        script = 'cat "%s"; exit %d' % (os.path.join(FIXTURES, name), exit_code)
        return subprocess.Popen(["sh", "-c", script], **kwargs)
    return popen


COMMANDS = [
    'user:create("alice@example.test", "x-test")',
    'user:create("alice@example.test", "x-test")',
    'user:list("example.test")',
    '> require"prosody.util.json".encode({a=1})',
    '> 1+',
    'user:delete("bob@nohost.test")',
    '> require"prosody.util.pluginloader"',
    'module:load("nosuchmod", "example.test")',
    'user:delete("alice@example.test")',
]


@pytest.mark.parametrize("transcript", ["shell_transcript.txt", "shell_transcript_readline.txt"])
def test_parses_every_answer_of_a_real_session(transcript):
    """Both output styles of Prosody 13's shell: input echoed on its own line (no readline), and
    prompt and answer on one line (lua-readline installed, as on hosts the prosody role made)."""
    shell = ps.ProsodyShell(timeout=10, popen=transcript_popen(transcript))
    answers = shell.run(COMMANDS)
    shell.close()
    assert [a.ok for a in answers] == [True, False, True, True, False, False, True, False, True]
    assert answers[0].message == "Created alice@example.test with role 'prosody:member'"
    assert answers[1].message == "User exists"
    assert "| alice@example.test" in answers[2].lines
    assert answers[3].result == '{"a":1}'
    assert "unexpected symbol" in answers[4].message
    assert answers[5].message == "No such host: nohost.test"
    assert answers[6].result.startswith("{") and answers[6].result.rstrip().endswith("}")
    assert "No such file or directory" in answers[7].message
    assert answers[8].message == "User deleted"


def test_check_raises_on_the_first_refusal_and_masks_secrets():
    shell = ps.ProsodyShell(timeout=10, popen=transcript_popen("shell_transcript.txt"))
    shell.secrets.add("exists")
    with pytest.raises(ps.ProsodyError) as err:
        shell.check(COMMANDS, "the test")
    shell.close()
    assert str(err.value) == "Prosody refused the test: User ********"


def test_a_stopped_server_is_reported_clearly(monkeypatch):
    monkeypatch.setattr(ps, "READY_PAUSE", 0)
    shell = ps.ProsodyShell(timeout=10, popen=transcript_popen("shell_not_running.txt", 1))
    with pytest.raises(ps.ProsodyError, match="Prosody is not running or mod_admin_shell is not enabled"):
        shell.run(["> 1"])
    shell.close()


def test_a_missing_prosodyctl_is_reported_clearly():
    shell = ps.ProsodyShell(prosodyctl="/nonexistent/prosodyctl", timeout=5)
    with pytest.raises(ps.ProsodyError, match="cannot run /nonexistent/prosodyctl"):
        shell.run(["> 1"])


def test_a_silent_server_is_retried_then_reported(monkeypatch):
    import subprocess

    starts = []

    def popen(argv, **kwargs):
        starts.append(argv)
        return subprocess.Popen(["sleep", "5"], **kwargs)
    monkeypatch.setattr(ps, "READY_PAUSE", 0)
    shell = ps.ProsodyShell(timeout=0.3, popen=popen)
    with pytest.raises(ps.ProsodyError, match="did not answer within 0.3 s"):
        shell.run(["> 1"])
    assert len(starts) == ps.READY_ATTEMPTS
    shell.close()


def test_multiline_commands_are_refused_before_sending():
    shell = ps.ProsodyShell(timeout=5, popen=transcript_popen("shell_transcript.txt"))
    with pytest.raises(ps.ProsodyError, match="spans several lines"):
        shell.run(["> 1\n> 2"])
    shell.close()


def test_json_results_decode_and_garbage_is_an_error():
    assert ps.decode_json_result('{"a":[1,2]}') == {"a": [1, 2]}
    with pytest.raises(ps.ProsodyError, match="not JSON"):
        ps.decode_json_result("table: 0x1234")


def test_long_arguments_are_staged_in_lines_the_admin_socket_accepts():
    ops = [["create", "user%d" % i, {"salt": "0f8fad5b-d9cb-469f-a165-70867728950e", "iteration_count": 10000,
                                     "stored_key": "a" * 64, "server_key": "b" * 64}, "prosody:member", False]
           for i in range(1000)]
    staging, final = prosody_lines.staged_call("xs_user_apply", ["example.test", ops][0:1] + [ops])
    assert staging[0] == "> xs_arg1 = {}"
    assert all(prosody_lines.wire_length(line) <= prosody_lines.MAX_LINE for line in staging + [final])
    assert final == ('> xs_json_out = require"prosody.util.json".encode(xs_user_apply("example.test",xs_arg1)); '
                     'return xs_page(1)')
    # Every op is sent exactly once, in order.
    sent = "".join(staging[1:])
    assert sent.count('{"create",') == 1000
    assert sent.index('"user0"') < sent.index('"user999"')


def test_short_calls_are_one_line():
    assert prosody_lines.staged_call("xs_host_info", ["example.test"]) == (
        [], '> xs_json_out = require"prosody.util.json".encode(xs_host_info("example.test")); return xs_page(1)')


def test_a_single_oversized_value_is_refused():
    with pytest.raises(ps.ProsodyError, match="too long for the admin shell"):
        prosody_lines.staged_call("f", [["x" * 20000]])


def test_wire_length_counts_xml_escapes():
    assert prosody_lines.wire_length('a"b') == 8  # &quot;
    assert prosody_lines.wire_length("<&>'") == 4 + 3 + 4 + 3 + 5
