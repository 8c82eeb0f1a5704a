# -*- coding: utf-8 -*-
# Copyright: xmpp.stack developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading, planning and applying one MUC room for the prosody_muc_room module.

A destroyed persistent room leaves a tombstone (muc_tombstones, Prosody 13) that refuses
re-creation by clients for a while: it counts as absent here, and creating the room again
removes the tombstone first, as an administrator's decision.

The room is read through the MUC component's own API (the getters behind the room
configuration form), compared option by option in Python, and only what differs is set,
followed by one ``room:save(true)``.
"""

from __future__ import annotations

from ansible_collections.xmpp.stack.plugins.module_utils.prosody_lines import (
    COMMON_HELPERS,
    ProsodyError,
    one_line,
)
from ansible_collections.xmpp.stack.plugins.module_utils import prosody_jid

MASK = "********"
AFFILIATIONS = ("owner", "admin", "member", "outcast")
WHOIS = ("moderators", "anyone")
# Module option -> (Lua getter/setter suffix, Python type). "public" is the inverse of hidden.
CONFIG = {
    "name": ("name", str),
    "description": ("description", str),
    "persistent": ("persistent", bool),
    "public": ("hidden", bool),
    "members_only": ("members_only", bool),
    "moderated": ("moderated", bool),
    "password": ("password", str),
    "whois": ("whois", str),
    "history_length": ("historylength", int),
    "members_can_invite": ("allow_member_invites", bool),
    "language": ("language", str),
}

HELPERS = COMMON_HELPERS + [
    prosody_jid.HELPER,
    one_line("""
> function xs_room_get(jid)
  local node, host = jid:match("^([^@]+)@(.+)$");
  local hs = prosody.hosts[host];
  if not hs then return { host = false } end;
  local muc = hs.modules.muc;
  if not muc then return { host = true, muc = false, component_module = xs_cm.get(host, "component_module") } end;
  local room = muc.get_room_from_jid(jid);
  if not room then return { host = true, muc = true, exists = false } end;
  if room._data.destroyed then return { host = true, muc = true, exists = false, tombstone = true } end;
  local aff = {};
  for j, a in room:each_affiliation() do aff[j] = a end;
  return { host = true, muc = true, exists = true, affiliations = aff, config = {
    name = room:get_name() or "", description = room:get_description() or "",
    persistent = room:get_persistent() and true or false, hidden = room:get_hidden() and true or false,
    members_only = room:get_members_only() and true or false, moderated = room:get_moderated() and true or false,
    password = room:get_password() or "", whois = room:get_whois(),
    historylength = room:get_historylength(), allow_member_invites = room:get_allow_member_invites() and true or false,
    language = room:get_language() or "" } };
end
"""),
    one_line("""
> function xs_room_apply(jid, create, config, affs, destroy)
  local node, host = jid:match("^([^@]+)@(.+)$");
  local muc = prosody.hosts[host].modules.muc;
  local room = muc.get_room_from_jid(jid);
  if destroy then
    if room and not room._data.destroyed then room:destroy(nil, "Removed by the administrator") end;
    return true;
  end;
  if create then
    if room and room._data.destroyed then room:destroy(); room = nil end;
    if room then return "Room exists already" end;
    room = muc.create_room(jid);
    if not room then return "could not create the room" end;
  end;
  if not room then return "No such room" end;
  for _, c in ipairs(config) do
    local setter = room["set_" .. c[1]];
    if not setter then return "unknown room option " .. c[1] end;
    local value = c[2];
    if value == "" and (c[1] == "password" or c[1] == "language" or c[1] == "description" or c[1] == "name") then value = nil end;
    setter(room, value);
  end;
  for _, a in ipairs(affs) do
    local ok, err, cond = room:set_affiliation(true, a[1], a[2]);
    if not ok then return "cannot make " .. a[1] .. " " .. a[2] .. ": " .. tostring(cond or err) end;
  end;
  room:save(true);
  return true;
end
"""),
]


def wanted_room(params):
    """Validate the options; return the wanted state with names as written (prepare_room()
    has Prosody prepare them). Raises on bad input."""
    jid = params.get("room")
    prosody_jid.check_shape(jid, "room JID")
    wanted = {"jid": jid, "node": None, "host": None, "state": params.get("state") or "present",
              "config": {}, "affiliations": {}, "mode": params.get("affiliations_mode") or "append",
              "lists": set()}
    if wanted["state"] not in ("present", "absent"):
        raise ProsodyError("state %r is not one of present, absent" % (wanted["state"],))
    if wanted["mode"] not in ("exact", "append"):
        raise ProsodyError("affiliations_mode %r is not one of exact, append" % (wanted["mode"],))
    for option, (_lua, kind) in CONFIG.items():
        value = params.get(option)
        if value is None:
            continue
        if kind is bool and not isinstance(value, bool):
            raise ProsodyError("%s must be true or false, got %r" % (option, value))
        if kind is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ProsodyError("history_length must be a whole number of messages >= 0, got %r" % (value,))
        if kind is str and not isinstance(value, str):
            raise ProsodyError("%s must be a string" % option)
        wanted["config"][option] = value
    if wanted["config"].get("whois") not in (None,) + WHOIS:
        raise ProsodyError("whois %r is not one of %s" % (wanted["config"]["whois"], ", ".join(WHOIS)))
    wanted["members_as_written"] = []
    for affiliation in AFFILIATIONS:
        members = params.get(affiliation + "s")
        if members is None:
            continue
        wanted["lists"].add(affiliation)
        for member in members:
            if not isinstance(member, str):
                raise ProsodyError("%ss: %r is not a JID" % (affiliation, member))
            prosody_jid.check_shape(member, "%ss entry" % affiliation, "any" if affiliation == "outcast" else "jid")
            wanted["members_as_written"].append((member, affiliation))
    return wanted


def prepare_room(shell, wanted):
    """Have Prosody prepare the room JID and every affiliated JID (same session).

    Returns {as written: prepared} where they differ; the room and affiliation keys of
    ``wanted`` become the prepared names. A JID listed under two affiliations, also when
    spelled differently, is refused."""
    shell.define(HELPERS)
    written = [member for member, _affiliation in wanted["members_as_written"]]
    answers = prosody_jid.prepare(shell, [wanted["jid"]] + written)
    prepared = {}
    node, host = prosody_jid.bare_jid(wanted["jid"], answers[0], "room JID")
    room = prosody_jid.join(node, host)
    prosody_jid.note_prepared(prepared, wanted["jid"], room)
    wanted.update(jid=room, node=node, host=host)
    spelled = {}
    for (member, affiliation), answer in zip(wanted["members_as_written"], answers[1:]):
        if affiliation == "outcast":
            name = prosody_jid.join(*prosody_jid.bare_jid_or_domain(member, answer, "outcasts entry"))
        else:
            name = prosody_jid.join(*prosody_jid.bare_jid(member, answer, "%ss entry" % affiliation))
        prosody_jid.note_prepared(prepared, member, name)
        have = wanted["affiliations"].get(name)
        if have is not None and have != affiliation:
            raise ProsodyError("%s is listed both as %s and as %s%s" % (
                name, have, affiliation,
                "" if spelled[name] == member else " (%r and %r are the same JID)" % (spelled[name], member)))
        spelled.setdefault(name, member)
        wanted["affiliations"][name] = affiliation
    return prepared


def read_room(shell, wanted):
    """The room as Prosody has it (after prepare_room)."""
    current = shell.call_json("xs_room_get", wanted["jid"])
    if not current.get("host"):
        raise ProsodyError("unknown host %s: Prosody serves no host of that name" % wanted["host"])
    if not current.get("muc"):
        raise ProsodyError("%s is not a MUC component (it is %s): rooms live on a component like "
                           "conference.%s" % (wanted["host"], current.get("component_module") or "a VirtualHost",
                                              wanted["host"]))
    return current


def plan_room(wanted, current):
    """Return (plan, before, after): plan has create/destroy flags, config and affiliation changes."""
    plan = {"create": False, "destroy": False, "config": [], "affiliations": []}
    exists = current.get("exists", False)
    before = _view(current) if exists else {"state": "absent"}
    if wanted["state"] == "absent":
        plan["destroy"] = exists
        return plan, before, {"state": "absent"}
    plan["create"] = not exists
    have = dict(current.get("config") or {})
    after = _view(current) if exists else {"state": "present", "config": {}, "affiliations": {}}
    after = {"state": "present", "config": dict(after.get("config", {})),
             "affiliations": dict(after.get("affiliations", {}))}
    for option, value in wanted["config"].items():
        lua_name = CONFIG[option][0]
        lua_value = (not value) if option == "public" else value
        if not exists or have.get(lua_name) != lua_value:
            plan["config"].append([lua_name, lua_value, option])
            after["config"][option] = _mask(option, value, changed=exists)
    current_affs = dict(current.get("affiliations") or {})
    for member, affiliation in sorted(wanted["affiliations"].items()):
        if current_affs.get(member) != affiliation:
            plan["affiliations"].append([member, affiliation])
            after["affiliations"][member] = affiliation
    if wanted["mode"] == "exact":
        for member, affiliation in sorted(current_affs.items()):
            if affiliation in wanted["lists"] and member not in wanted["affiliations"]:
                plan["affiliations"].append([member, "none"])
                after["affiliations"].pop(member, None)
    return plan, before, after


def _view(current):
    config = dict(current.get("config") or {})
    shown = {}
    for option, (lua_name, _kind) in CONFIG.items():
        value = config.get(lua_name)
        if option == "public":
            value = not value
        shown[option] = _mask(option, value)
    return {"state": "present", "config": shown, "affiliations": dict(current.get("affiliations") or {})}


def _mask(option, value, changed=False):
    if option != "password":
        return value
    if not value:
        return ""
    return MASK + (" (changed)" if changed else "")


def has_changes(plan):
    return bool(plan["create"] or plan["destroy"] or plan["config"] or plan["affiliations"])


def apply_room(shell, wanted, plan):
    config = [[name, value] for name, value, _option in plan["config"]]
    result = shell.call_json("xs_room_apply", wanted["jid"], plan["create"], config,
                             plan["affiliations"], plan["destroy"])
    if result is not True:
        raise ProsodyError("Prosody refused to change room %s: %s" % (wanted["jid"], result))


def changes_of(plan):
    """The module's ``changes`` return value (no secret: the password shows only as changed)."""
    return {
        "created": plan["create"],
        "destroyed": plan["destroy"],
        "config": sorted(option for _name, _value, option in plan["config"]),
        "affiliations": dict(plan["affiliations"]),
    }
