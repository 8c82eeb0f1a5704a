"""The collection's one Lua writer: the same literals for prosody.cfg.lua, the drop-ins of
prosody_module and the admin-shell lines (module_utils/lua.py)."""

import pytest

from ansible_collections.xmpp.stack.plugins.module_utils import lua
from ansible_collections.xmpp.stack.plugins.module_utils import prosody_lines, prosody_modules


def test_the_shell_and_the_drop_in_writer_use_this_writer():
    assert prosody_lines.lua_value is lua.value
    assert prosody_modules.lua_quote is lua.quote


def test_config_tables_one_option_a_line_keys_sorted_case_insensitively():
    value = {"protocol": "tlsv1_2+", "Ciphers": "A:B", "curveslist": ["P-256", "P-384"], "options": {}}
    assert lua.config_value(value) == (
        '{\n\tCiphers = "A:B";\n\tcurveslist = { "P-256"; "P-384"; };\n\toptions = { };\n'
        '\tprotocol = "tlsv1_2+";\n}')


def test_config_nested_tables_indent_from_the_option_and_quote_odd_keys():
    value = {"options": {"local-zone:": "test. transparent"}}
    assert lua.config_value(value, "\t") == (
        '{\n\t\toptions = {\n\t\t\t["local-zone:"] = "test. transparent";\n\t\t};\n\t}')


@pytest.mark.parametrize("value, text", [
    (True, "true"), (False, "false"), (None, "nil"), (5, "5"), (1.5, "1.5"), ([], "{ }"),
    ("x", '"x"'), ([1, "a"], '{ 1; "a"; }'), ({"__lua": 'FileLine("/s/x")'}, 'FileLine("/s/x")'),
])
def test_config_scalars_lists_and_raw_code(value, text):
    assert lua.config_value(value) == text


def test_non_ascii_and_quotes_are_escaped_the_same_in_config_and_shell():
    # Lua 5.4 has no \uXXXX escape: JSON's escaping would be a syntax error in prosody.cfg.lua.
    assert lua.config_value('Willkommen, "Straße"') == lua.value('Willkommen, "Straße"') == (
        '"Willkommen, \\034Stra\\195\\159e\\034"')


def test_shell_values_never_run_code_given_as_data():
    assert lua.value({"__lua": "os.exit()"}) == '{["__lua"]="os.exit()"}'


def test_values_lua_cannot_express_are_refused():
    for writer in (lua.value, lua.config_value):
        with pytest.raises(TypeError):
            writer(object())
    with pytest.raises(TypeError):
        lua.quote(5)
