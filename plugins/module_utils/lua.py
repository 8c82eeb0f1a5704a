# -*- coding: utf-8 -*-
# Copyright: xmpp.stack developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one Lua writer of the collection: values as Lua literals, for prosody.cfg.lua (the prosody
role's configuration filter), the drop-ins of prosody_module and the admin-shell lines of every
module.

Strings are always pure printable ASCII (see :func:`quote`), so a value can neither end a shell
line nor a string, and a non-ASCII value is the same bytes in Lua 5.4 as in Python's UTF-8.
"""

from __future__ import annotations

import re

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# In the role's configuration only, a mapping {"__lua": CODE} is written as CODE itself
# (FileLine("...") reading a secret file).
RAW_KEY = "__lua"


def quote(value):
    """Return ``value`` as a Lua string literal that is pure printable ASCII.

    Every byte outside printable ASCII, and the quote and backslash, becomes a three-digit
    decimal escape: a newline in a password can never end the Lua line, a quote can never end
    the string, and ``\\ddd`` cannot swallow a following digit because it always has 3 digits.
    """
    if not isinstance(value, str):
        raise TypeError("a Lua string literal needs a string, got %s" % type(value).__name__)
    out = ['"']
    for byte in value.encode("utf-8"):
        if 0x20 <= byte < 0x7F and byte not in (0x22, 0x5C):
            out.append(chr(byte))
        else:
            out.append("\\%03d" % byte)
    out.append('"')
    return "".join(out)


def _scalar(value):
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return quote(value)
    return None


def _key(key):
    if isinstance(key, str) and _NAME.match(key):
        return key
    return "[%s]" % value(key)


def value(data):
    """A Python value (None, bool, int, float, str, list, tuple, dict) as one line of Lua.

    Data only: a {"__lua": ...} mapping is a table here, never code (values come from users)."""
    text = _scalar(data)
    if text is not None:
        return text
    if isinstance(data, (list, tuple)):
        return "{" + ",".join(value(item) for item in data) + "}"
    if isinstance(data, dict):
        return "{" + ",".join("[%s]=%s" % (value(k), value(v)) for k, v in data.items()) + "}"
    raise TypeError("cannot express %s in Lua" % type(data).__name__)


def config_value(data, indent=""):
    """A value as prosody.cfg.lua writes it: a table of options one per line, its keys sorted
    (case-insensitively), a list on one line; ``indent`` is the indentation of the option."""
    text = _scalar(data)
    if text is not None:
        return text
    if isinstance(data, dict) and RAW_KEY in data:
        return data[RAW_KEY]
    if isinstance(data, dict):
        if not data:
            return "{ }"
        lines = ["{"]
        for key in sorted(data, key=lambda k: str(k).lower()):
            lines.append("%s\t%s = %s;" % (indent, _key(key), config_value(data[key], indent + "\t")))
        lines.append(indent + "}")
        return "\n".join(lines)
    if isinstance(data, (list, tuple)):
        if not data:
            return "{ }"
        return "{ " + "".join(config_value(item, indent) + "; " for item in data) + "}"
    raise TypeError("cannot express %s in Lua" % type(data).__name__)
