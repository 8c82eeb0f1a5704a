# -*- coding: utf-8 -*-
# Copyright: xmpp.stack developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Invitations (Prosody 13's mod_invites) for the prosody_invite module.

Invitations are made by the VirtualHost's own mod_invites functions (create_account,
create_account_reset, create_contact), so they are exactly the ones ``prosodyctl shell invite``
makes: same token store, same URIs, same landing-page links (a reset's link is the prosody
role's reset page, mod_invites_reset_web, when the host loads it, else none). Pending invitations
are read from mod_invites' host store (``invite_token``), the one ``invite list`` reads, expired
ones included so that they can be revoked.
"""

from __future__ import annotations

import re
import time

from ansible_collections.xmpp.stack.plugins.module_utils.prosody_lines import (
    COMMON_HELPERS,
    ProsodyError,
    one_line,
)
from ansible_collections.xmpp.stack.plugins.module_utils import prosody_jid

ACTIONS = ("create", "list", "revoke", "revoke_expired")
TYPES = ("account", "contact", "reset")
# Prosody names an account invitation "register" and a contact invitation "roster".
PROSODY_TYPES = {"register": "account", "roster": "contact"}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$")
# A token is what util.id.medium() makes: URL-safe base64.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{4,64}$")

HELPERS = COMMON_HELPERS + [
    prosody_jid.HELPER,
    one_line("""
> function xs_invite_host(h, username)
  local info = xs_host_info(h);
  if not info.exists then return info end;
  info.invites = prosody.hosts[h].modules.invites ~= nil;
  if username then info.user_exists = xs_um.user_exists(username, h) and true or false end;
  return info;
end
"""),
    one_line("""
> function xs_invite_page(h, inv)
  if not (inv.additional_data and inv.additional_data.allow_reset) then return inv.landing_page end;
  local page = prosody.hosts[h].modules.invites_reset_web;
  return page and page.reset_url(inv.token) or nil;
end
"""),
    one_line("""
> function xs_invite_list(h)
  local now = os.time();
  local out = {};
  for token, inv in pairs(xs_sm.open(h, "invite_token"):get(nil) or {}) do
    if type(inv) == "table" then
      local extra = inv.additional_data or {};
      out[#out+1] = { token = token, type = inv.type, jid = inv.jid, created_at = inv.created_at,
        expires = inv.expires, expired = inv.expires < now, uri = inv.uri, landing_page = xs_invite_page(h, inv),
        reset = extra.allow_reset, roles = extra.roles };
    end;
  end;
  table.sort(out, function (a, b) return a.expires < b.expires end);
  return out;
end
"""),
    one_line("""
> function xs_invite_create(h, kind, username, role, ttl, allow_registration, count)
  local m = prosody.hosts[h].modules.invites;
  local extra = role and { roles = { role } } or nil;
  local out = {};
  for i = 1, count do
    local inv, err;
    if kind == "account" then inv, err = m.create_account(username, extra, ttl)
    elseif kind == "reset" then inv, err = m.create_account_reset(username, ttl)
    elseif kind == "contact" then inv, err = m.create_contact(username, allow_registration, extra, ttl)
    else return { error = "unknown invitation type " .. tostring(kind) } end;
    if not inv then return { error = tostring(err), made = out } end;
    out[#out+1] = { token = inv.token, type = inv.type, jid = inv.jid, created_at = inv.created_at,
      expires = inv.expires, uri = inv.uri, landing_page = xs_invite_page(h, inv) };
  end;
  return { made = out };
end
"""),
    one_line("""
> function xs_invite_revoke(h, tokens)
  local m = prosody.hosts[h].modules.invites;
  local all = xs_sm.open(h, "invite_token"):get(nil) or {};
  local per_user = xs_sm.open(h, "invite_token", "map");
  local out = {};
  for _, token in ipairs(tokens) do
    local inv = all[token];
    if type(inv) == "table" then
      local ok, err = m.delete_account_invite(token);
      if not ok then return { error = tostring(err), revoked = out } end;
      if inv.type == "roster" then
        local user = require"prosody.util.jid".node(inv.jid);
        if user then per_user:set(user, token, nil) end;
      end;
      out[#out+1] = token;
    end;
  end;
  return { revoked = out };
end
"""),
]


def parse_duration(value):
    """Seconds of ``3600``, ``90m``, ``12h``, ``7d`` or ``2w``; a ProsodyError names anything else."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise ProsodyError("expires_after %r is not a duration: give seconds or a number with s, m, h, d or w" % (value,))
    match = _DURATION.match(text)
    if not match or int(match.group(1)) <= 0:
        raise ProsodyError("expires_after %r is not a duration: give seconds or a number with s, m, h, d or w "
                           "(more than 0), for example 7d" % (value,))
    return int(match.group(1)) * _UNITS[match.group(2) or "s"]


def wanted_invites(params):
    """Check the options before any session; return what the task asks for, names as written."""
    action = params.get("action") or "create"
    kind = params.get("type") or "account"
    jid, host = params.get("jid"), params.get("host")
    if action not in ACTIONS:
        raise ProsodyError("action %r is not one of %s" % (action, ", ".join(ACTIONS)))
    if kind not in TYPES:
        raise ProsodyError("type %r is not one of %s" % (kind, ", ".join(TYPES)))
    if jid is not None and host is not None:
        raise ProsodyError("give either jid or host, not both")
    if jid is not None:
        prosody_jid.check_shape(jid, "jid")
    if host is not None:
        prosody_jid.check_shape(host, "host", "domain")
    wanted = {"action": action, "type": kind, "jid": jid, "host": host, "role": params.get("role"),
              "ttl": parse_duration(params.get("expires_after")), "count": params.get("count"),
              "allow_registration": params.get("allow_registration"), "tokens": params.get("tokens") or []}
    if jid is None and host is None:
        raise ProsodyError("give the VirtualHost (host) or an account's JID (jid)")
    if action == "create":
        if kind in ("contact", "reset") and jid is None:
            raise ProsodyError("a %s invitation needs jid: the account it is for" % kind)
        if wanted["count"] is None:
            wanted["count"] = 1
        if isinstance(wanted["count"], bool) or not isinstance(wanted["count"], int) or not 1 <= wanted["count"] <= 100:
            raise ProsodyError("count %r is not a number of invitations from 1 to 100" % (wanted["count"],))
        if kind == "reset" and wanted["role"] is not None:
            raise ProsodyError("role cannot be given for a reset: the account keeps its role")
        if kind != "contact" and wanted["allow_registration"] is not None:
            raise ProsodyError("allow_registration is only for contact invitations")
        if kind == "contact" and wanted["allow_registration"] is None:
            wanted["allow_registration"] = True
        if kind == "contact" and not wanted["allow_registration"] and wanted["role"] is not None:
            raise ProsodyError("role needs allow_registration: a contact-only invitation makes no account")
        if kind == "account" and jid is not None and wanted["count"] != 1:
            raise ProsodyError("count must be 1 for an invitation to one named account (%s)" % jid)
    if action == "revoke":
        if not wanted["tokens"]:
            raise ProsodyError("revoke needs tokens: the invitations to revoke")
        for token in wanted["tokens"]:
            if not isinstance(token, str) or not _TOKEN.match(token):
                # Never echo the value: it may be a real token with a typo.
                raise ProsodyError("tokens holds a value that is not an invitation token")
    return wanted


def prepare(shell, wanted):
    """Define the helpers and have Prosody prepare the JID or host; returns the prepared-name map."""
    shell.define(HELPERS)
    raw = wanted["jid"] if wanted["jid"] is not None else wanted["host"]
    answer = prosody_jid.prepare(shell, [raw])[0]
    prepared = {}
    if wanted["jid"] is not None:
        node, host = prosody_jid.bare_jid(raw, answer, "jid")
        wanted["node"], wanted["prepared_host"] = node, host
        prosody_jid.note_prepared(prepared, raw, prosody_jid.join(node, host))
    else:
        wanted["node"], wanted["prepared_host"] = None, prosody_jid.domain(raw, answer, "host")
        prosody_jid.note_prepared(prepared, raw, wanted["prepared_host"])
    return prepared


def check_host(shell, wanted):
    """The VirtualHost exists, serves invitations, and the account is as the type needs it."""
    host, node = wanted["prepared_host"], wanted["node"]
    info = shell.call_json("xs_invite_host", host, node)
    if not info.get("exists"):
        raise ProsodyError("%s is not a host of this Prosody" % host)
    if info.get("type") != "local":
        raise ProsodyError("%s is a component (%s), not a VirtualHost: invitations are for accounts"
                           % (host, info.get("component_module")))
    if not info.get("invites"):
        raise ProsodyError("mod_invites is not loaded on %s: enable invitations there first "
                           "(the prosody role's prosody_invites_enabled)" % host)
    role = wanted["role"]
    if wanted["action"] == "create" and role is not None and role not in info.get("roles", []):
        raise ProsodyError("role %r is not a role of %s (known: %s)" % (role, host, ", ".join(sorted(info.get("roles", [])))))
    if wanted["action"] != "create" or node is None:
        return info
    jid = prosody_jid.join(node, host)
    exists = info.get("user_exists")
    if wanted["type"] == "account" and exists:
        raise ProsodyError("%s exists already: an account invitation for it could never be used "
                           "(a reset invitation sets a new password)" % jid)
    if wanted["type"] in ("reset", "contact") and not exists:
        raise ProsodyError("%s does not exist: a %s invitation needs an existing account" % (jid, wanted["type"]))
    return info


def describe(invite, reveal):
    """One invitation as the module returns it; the token and links only when ``reveal``."""
    kind = PROSODY_TYPES.get(invite.get("type"), invite.get("type"))
    if invite.get("reset"):
        kind = "reset"
    out = {"type": kind, "jid": invite.get("jid"),
           "expires": _iso(invite.get("expires")), "created": _iso(invite.get("created_at"))}
    if "expired" in invite:
        out["expired"] = bool(invite["expired"])
    roles = invite.get("roles")
    if isinstance(roles, list) and roles:
        out["role"] = roles[0]
    if reveal:
        out["token"] = invite.get("token")
        out["uri"] = invite.get("uri")
        # A reset's link is the prosody role's reset page (mod_invites_reset_web), never
        # mod_invites_page's /invite link (its form only creates accounts): xs_invite_page
        # answers nil for a reset on a host without that page.
        out["landing_page"] = invite.get("landing_page")
    return out


def _iso(seconds):
    if not isinstance(seconds, (int, float)):
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def run(shell, wanted, check_mode):
    """Plan, then (outside check mode) apply; returns the result without 'prepared'."""
    host = wanted["prepared_host"]
    pending = shell.call_json("xs_invite_list", host)
    if not isinstance(pending, list):
        pending = []
    before = {"pending": len([i for i in pending if not i.get("expired")]),
              "expired": len([i for i in pending if i.get("expired")])}
    result = {"changed": False, "host": host, "invitations": []}
    after = dict(before)
    if wanted["action"] == "list":
        result["invitations"] = [describe(invite, reveal=True) for invite in pending]
    elif wanted["action"] == "create":
        planned = {"type": wanted["type"], "jid": prosody_jid.join(wanted["node"], host),
                   "count": wanted["count"], "expires_after": wanted["ttl"]}
        result.update(changed=True, planned=planned)
        after["pending"] += wanted["count"] if (wanted["type"] != "contact" or wanted["allow_registration"]) else 0
        if not check_mode:
            made = shell.call_json("xs_invite_create", host, wanted["type"], wanted["node"], wanted["role"],
                                   wanted["ttl"], bool(wanted["allow_registration"]), wanted["count"])
            found = [dict(invite, roles=[wanted["role"]] if wanted["role"] else None) for invite in made.get("made", [])]
            if made.get("error"):
                # Report what was made before the failure: those invitations exist now.
                raise ProsodyError("Prosody made %d of %d invitations, then refused: %s"
                                   % (len(found), wanted["count"], made["error"]))
            for invite in found:
                shell.secrets.add(invite.get("token") or "")
            reset = wanted["node"] if wanted["type"] == "reset" else None
            result["invitations"] = [describe(dict(invite, reset=reset), reveal=True) for invite in found]
    else:
        if wanted["action"] == "revoke":
            known = {invite.get("token") for invite in pending}
            targets = [token for token in wanted["tokens"] if token in known]
        else:
            targets = [invite["token"] for invite in pending if invite.get("expired")]
        gone = [describe(invite, reveal=False) for invite in pending if invite.get("token") in targets]
        result.update(changed=bool(targets), revoked=gone)
        after["pending"] -= len([i for i in gone if not i.get("expired")])
        after["expired"] -= len([i for i in gone if i.get("expired")])
        if targets and not check_mode:
            done = shell.call_json("xs_invite_revoke", host, targets)
            if done.get("error"):
                raise ProsodyError("Prosody revoked %d of %d invitations, then refused: %s"
                                   % (len(done.get("revoked", [])), len(targets), done["error"]))
    result["diff"] = {"before": before, "after": after}
    return result
