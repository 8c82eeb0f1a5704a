# -*- coding: utf-8 -*-
# Copyright: xmpp.stack developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an admin-shell session sends: Lua lines within the admin socket's limits.

The helpers every module defines first, the squeezing of readable Lua into the one line the
shell reads, and calls whose arguments are too long for one line staged into session variables.
Values become Lua literals only through module_utils/lua.py.
"""

from __future__ import annotations

from ansible_collections.xmpp.stack.plugins.module_utils.lua import value as lua_value

# Prosody 13's admin socket closes the session ("not-well-formed") when one input stanza is
# bigger than 16 kB (measured with plain letters: 16,300 pass, 16,400 do not). A line travels as
# XML text, so quotes and ampersands count escaped (see wire_length). Lines stay well below;
# bigger arguments are staged into session variables a chunk at a time (staged_call()).
MAX_LINE = 12000
# Answers have a limit too: the prosodyctl client fails now and then ("not-well-formed") on
# answers above about 16 kB (measured with JSON-like text: pages of 8,000 characters passed
# 120 of 120 reads, 16,000 failed 1 in 120, 32,000 most). Results are JSON-encoded into a
# session variable and read back in pages of this many characters (xs_page).
PAGE = 6000
_XML_GROWTH = {'"': 5, "'": 5, "&": 4, "<": 3, ">": 3}


def wire_length(line):
    """The size of a line once escaped as XML text in the admin socket's stanza."""
    return len(line) + sum(line.count(ch) * extra for ch, extra in _XML_GROWTH.items())


class ProsodyError(Exception):
    """A failure a module reports as is: its message is meant for the operator."""


def staged_call(function, args, max_line=MAX_LINE):
    """Lines that call ``function(*args)`` and print its JSON result, each at most ``max_line``.

    Returns (staging_lines, final_line). A list argument too long for one line is built up in a
    session variable ``xs_argN`` by several lines, each appending a chunk of its items.
    """
    line = _final_line(function, ",".join(lua_value(a) for a in args))
    if wire_length(line) <= max_line:
        return [], line
    staging, rendered = [], []
    for index, arg in enumerate(args):
        text = lua_value(arg)
        if not isinstance(arg, (list, tuple)) or wire_length(text) <= max_line // 8:
            rendered.append(text)
            continue
        var = "xs_arg%d" % index
        staging.append("> %s = {}" % var)
        chunk, size = [], 0
        for item in arg:
            item_text = lua_value(item)
            item_size = wire_length(item_text)
            if item_size > max_line - 200:
                raise ProsodyError("a single value is too long for the admin shell (%d bytes)" % item_size)
            if chunk and size + item_size > max_line - 200:
                staging.append(_append_line(var, chunk))
                chunk, size = [], 0
            chunk.append(item_text)
            size += item_size + 1
        if chunk:
            staging.append(_append_line(var, chunk))
        rendered.append(var)
    final = _final_line(function, ",".join(rendered))
    if wire_length(final) > max_line:
        raise ProsodyError("a call to %s is too long for the admin shell" % function)
    return staging, final


def _final_line(function, rendered_args):
    return '> xs_json_out = require"prosody.util.json".encode(%s(%s)); return xs_page(1)' % (
        function, rendered_args)


def _append_line(var, items):
    return "> for _, v in ipairs({%s}) do %s[#%s+1] = v end" % (",".join(items), var, var)


def one_line(lua_source):
    """Squeeze a readable multi-line Lua snippet into the single line the shell reads.

    Comments are not allowed in the snippets (a ``--`` would swallow the rest of the line).
    """
    return " ".join(part.strip() for part in lua_source.strip().splitlines() if part.strip())


# Helpers every module defines first in its session: shortcuts to Prosody's managers and a
# description of a host (does it exist, VirtualHost or component, which auth, hash and roles).
COMMON_HELPERS = [
    one_line("""
> xs_um = require"prosody.core.usermanager";
xs_cm = require"prosody.core.configmanager";
xs_sm = require"prosody.core.storagemanager";
xs_mm = require"prosody.core.modulemanager";
xs_log = require"prosody.util.logger".init("xmpp.stack")
"""),
    one_line("""
> function xs_page(i)
  local s = xs_json_out:sub((i - 1) * %d + 1, i * %d);
  if i * %d < #xs_json_out then return "+" .. s end;
  return "." .. s;
end
""" % (PAGE, PAGE, PAGE)),
    one_line("""
> function xs_host_info(h)
  local hs = prosody.hosts[h];
  if not hs then return { exists = false } end;
  local roles = {};
  if hs.type == "local" then for name in pairs(xs_um.get_all_roles(h) or {}) do roles[#roles+1] = name end end;
  return { exists = true, type = hs.type, component_module = xs_cm.get(h, "component_module"),
    auth = hs.users and hs.users.name, password_hash = xs_cm.get(h, "password_hash") or "SHA-1",
    iteration_count = xs_cm.get(h, "default_iteration_count") or 10000,
    default_role = xs_cm.get(h, "default_provisioned_role") or "prosody:member",
    roles = roles, muc = hs.modules.muc ~= nil };
end
"""),
]
