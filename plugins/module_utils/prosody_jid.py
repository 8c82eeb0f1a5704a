# -*- coding: utf-8 -*-
# Copyright: xmpp.stack developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names exactly as Prosody prepares them, asked of Prosody itself in the module's session.

A client that logs in as ``straße`` or joins ``ＴＥＡＭ@conference…`` is served the account or
room Prosody finds after nodeprep (local parts) and nameprep (domains), so the modules plan on
those prepared names: Prosody's own ``util.jid.prepped_split`` in strict mode (stored strings
may not hold code points unassigned in Unicode 3.2, RFC 3454 section 7; MUC refuses to create
such rooms). The rule every module follows: the prepared name is the one managed and returned,
and a warning says so when it differs from what the task wrote. A name Prosody cannot prepare,
a resource, or an account name a client could not log in as (SASLprep then nodeprep, as
``util.sasl.scram`` does) is refused before anything changes.
"""

from __future__ import annotations

import unicodedata

from ansible_collections.xmpp.stack.plugins.module_utils.prosody_lines import ProsodyError, one_line

# One session helper: for each input string, Prosody's prepared parts or why it refused them.
# error: "split" (not node@domain/resource syntax), "domain", "node" or "resource" (the part
# whose strict stringprep failed). login: what a SASL login with the prepared local part becomes.
HELPER = one_line("""
> function xs_jid_prep(list)
  local jid, sp = require"prosody.util.jid", require"prosody.util.encodings".stringprep;
  local out = {};
  for i, s in ipairs(list) do
    local r = {};
    local node, host, res = jid.split(s);
    if not host or host == "." then r.error = "split" else
      local pn, ph, pr = jid.prepped_split(s, true);
      if not ph then
        if not sp.nameprep((host:gsub("%.$", "")), true) then r.error = "domain"
        elseif node and not sp.nodeprep(node, true) then r.error = "node"
        else r.error = "resource" end;
      else
        r.node, r.host, r.resource = pn, ph, pr;
        if pn then local l = sp.saslprep(pn); r.login = l and sp.nodeprep(l) or false end;
      end;
    end;
    out[i] = r;
  end;
  return out;
end
""")

# Inputs prepared per helper call: answers stay far below what one admin-shell answer carries.
CHUNK = 400


def check_shape(raw, what, kind="jid"):
    """Before any session: a non-empty string shaped like a bare JID (``jid``), a domain
    (``domain``) or either (``any``). The characters are Prosody's to judge, later."""
    expected = {"jid": "user@domain", "domain": "a domain name", "any": "user@domain or a domain"}[kind]
    if not isinstance(raw, str) or not raw.strip():
        raise ProsodyError("invalid %s %r: expected %s" % (what, raw, expected))
    if "/" in raw:
        raise ProsodyError("invalid %s %r: give the bare JID, without a resource (/...)" % (what, raw))
    node, at, host = raw.partition("@")
    if kind == "domain" and at:
        raise ProsodyError("invalid %s %r: expected a domain name, not a JID" % (what, raw))
    if (kind == "jid" and not at) or (at and (not node or not host or "@" in host)):
        raise ProsodyError("invalid %s %r: expected %s" % (what, raw, expected))


def prepare(shell, inputs):
    """Prosody's answers for ``inputs`` (a list of strings), in order. The helper must be defined."""
    answers = []
    for start in range(0, len(inputs), CHUNK):
        chunk = list(inputs[start:start + CHUNK])
        found = shell.call_json("xs_jid_prep", chunk)
        if not isinstance(found, list) or len(found) != len(chunk):
            raise ProsodyError("Prosody answered the name preparation with something unexpected: %.200r" % (found,))
        answers.extend(found)
    return answers


def bare_jid(raw, answer, what="JID"):
    """(node, host) of a bare ``node@domain`` from Prosody's answer, or a ProsodyError naming it."""
    node, host = _parts(raw, answer, what)
    if node is None:
        raise ProsodyError("invalid %s %r: expected user@domain" % (what, raw))
    if answer.get("login") != node:
        raise ProsodyError("invalid %s %r: it prepares to %s@%s, but a client logging in with that name "
                           "would be %r (SASLprep then nodeprep): no client could reach it"
                           % (what, raw, node, host, answer.get("login")))
    return node, host


def bare_jid_or_domain(raw, answer, what="JID"):
    """(node or None, host): a bare JID or a whole domain (room bans may name one)."""
    return _parts(raw, answer, what)


def domain(raw, answer, what="host"):
    """The prepared domain of a host name (no local part, no resource)."""
    node, host = _parts(raw, answer, what)
    if node is not None:
        raise ProsodyError("invalid %s %r: expected a domain name, not a JID" % (what, raw))
    return host


def join(node, host):
    return host if node is None else "%s@%s" % (node, host)


def _parts(raw, answer, what):
    error = answer.get("error")
    if error == "split":
        raise ProsodyError("invalid %s %r: not a JID (user@domain)" % (what, raw))
    if error == "domain":
        host = raw.split("@", 1)[-1].split("/", 1)[0]
        raise ProsodyError("invalid %s %r: Prosody's nameprep refuses the domain %r%s"
                           % (what, raw, host, hint(host, domain=True)))
    if error == "node":
        node = raw.split("@", 1)[0]
        raise ProsodyError("invalid %s %r: Prosody's nodeprep refuses the local part %r%s"
                           % (what, raw, node, hint(node)))
    if error is not None or answer.get("resource") is not None:
        raise ProsodyError("invalid %s %r: give the bare JID, without a resource (/...)" % (what, raw))
    if not answer.get("host"):
        raise ProsodyError("Prosody did not prepare %s %r" % (what, raw))
    return answer.get("node"), answer["host"]


# Characters that nodeprep prohibits outright besides the stringprep tables (RFC 6122, A.5).
_NODEPREP_ASCII = set("\"&'/:<>@")


def hint(text, domain=False):
    """A short reason naming the first character stringprep prohibits (for the error message only:
    the verdict is Prosody's)."""
    for char in text:
        code = ord(char)
        name = "%s (U+%04X)" % (unicodedata.name(char), code) if unicodedata.name(char, None) else "U+%04X" % code
        if char in _NODEPREP_ASCII and not domain:
            return ": it contains %r, which a local part may not hold" % char
        if char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp"):
            return ": it contains %s, which stringprep prohibits" % name
        if unicodedata.category(char) == "Cn" or unicodedata.ucd_3_2_0.category(char) == "Cn":
            return ": it contains U+%04X, a code point unassigned in Unicode 3.2 (stringprep's version)" % code
    if len(text.encode("utf-8")) > 1023:
        return ": it is longer than 1023 bytes"
    return ""


def note_prepared(prepared, raw, name):
    """Record that ``raw`` is managed as ``name`` (the module warns about each)."""
    if raw != name:
        prepared[raw] = name


def warnings(prepared):
    """The warning lines for the module's result."""
    return ["%r is managed as %s, the name Prosody prepares it to (nodeprep/nameprep)" % (raw, name)
            for raw, name in sorted(prepared.items())]
