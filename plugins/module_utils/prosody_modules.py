# -*- coding: utf-8 -*-
# Copyright: xmpp.stack developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module state for prosody_module: a managed configuration drop-in plus the live server.

How a later file adds to a list without replacing it (Prosody 13, core/configmanager.lua):
every included file is parsed with a fresh environment that starts in the global section, and
reading an option that holds a table returns a proxy with an ``append`` method, so

    modules_enabled:append { "name" }

extends the list the main file set, while ``modules_enabled = { ... }`` would replace it.
``VirtualHost "h"`` / ``Component "h" "muc"`` reopen a host's section (re-declaring a component
resets its ``component_module`` and ``load_global_modules``, so both are written back).
``append`` needs the list to exist in that section: the module checks this first and names the
section otherwise. core/modulemanager.lua then computes a host's modules as
``(autoload + global enabled - global disabled) + host enabled - host disabled``.

The drop-in keeps its own state as one JSON comment line, so it is re-read exactly.
"""

from __future__ import annotations

import json
import os
import re
import tempfile

from ansible_collections.xmpp.stack.plugins.module_utils.lua import quote as lua_quote, value as lua_value
from ansible_collections.xmpp.stack.plugins.module_utils.prosody_lines import (
    COMMON_HELPERS,
    ProsodyError,
    one_line,
)
from ansible_collections.xmpp.stack.plugins.module_utils import prosody_jid

STATE_PREFIX = "-- xmpp-stack-state: "
HEADER = ("-- Managed by Ansible (xmpp.stack.prosody_module): module switches of this host.\n"
          "-- Edits are overwritten; use the prosody_module module.\n")
GLOBAL = "*"
_NAME_RE = re.compile(r"^[a-z0-9_]+$")

HELPERS = COMMON_HELPERS + [
    prosody_jid.HELPER,
    one_line("""
> function xs_module_find(name)
  local dirs, lv = {}, _VERSION:match(" (.+)$");
  for d in (CFG_PLUGINDIR or ""):gmatch("[^;]+") do dirs[#dirs+1] = d end;
  local names = { "mod_"..name.."/"..name.."/mod_"..name..".lua", "mod_"..name.."/mod_"..name..".lua",
    name.."/mod_"..name..".lua", "mod_"..name..".lua", "share/lua/"..lv.."/mod_"..name..".lua",
    "share/lua/"..lv.."/mod_"..name.."/mod_"..name..".lua" };
  for _, d in ipairs(dirs) do
    for _, n in ipairs(names) do
      local p = d:gsub("/*$", "/")..n;
      local f = io.open(p);
      if f then f:close(); return { found = p, dirs = dirs } end;
    end
  end;
  return { dirs = dirs };
end
"""),
    one_line("""
> function xs_module_hosts(name, hosts)
  local out = {};
  local list = hosts;
  if not list then list = {}; for h in pairs(prosody.hosts) do list[#list+1] = h end end;
  for _, h in ipairs(list) do
    local hs = prosody.hosts[h];
    if hs then
      out[h] = { type = hs.type, component_module = xs_cm.get(h, "component_module"),
        load_global_modules = xs_cm.rawget(h, "load_global_modules"),
        has_enabled = xs_cm.rawget(h, "modules_enabled") ~= nil,
        has_disabled = xs_cm.rawget(h, "modules_disabled") ~= nil,
        loaded = xs_mm.is_loaded(h, name) and true or false,
        configured = xs_mm.get_modules_for_host(h):contains(name) and true or false };
    end
  end;
  return { hosts = out, global_has_enabled = xs_cm.rawget("*", "modules_enabled") ~= nil,
    global_has_disabled = xs_cm.rawget("*", "modules_disabled") ~= nil };
end
"""),
    one_line("""
> function xs_module_sync(name, hosts)
  local ok, err = prosody.reload_config();
  if not ok then return { error = "configuration refused: " .. tostring(err) } end;
  local list = hosts;
  if not list then list = {}; for h in pairs(prosody.hosts) do list[#list+1] = h end end;
  local done, problems = {}, {};
  for _, h in ipairs(list) do
    local want = xs_mm.get_modules_for_host(h):contains(name) and true or false;
    local have = xs_mm.is_loaded(h, name) and true or false;
    if want and not have then
      local mod, e = xs_mm.load(h, name);
      if mod or e == "global-module-already-loaded" then done[#done+1] = "loaded on " .. h
      else problems[#problems+1] = h .. ": " .. tostring(e) end;
    elseif have and not want then
      local u, e = xs_mm.unload(h, name);
      if u then done[#done+1] = "unloaded from " .. h else problems[#problems+1] = h .. ": " .. tostring(e) end;
    end;
  end;
  return { done = done, problems = problems };
end
"""),
]


def wanted_module(params):
    """Validate the options: a module name and the sections (``*`` is the global section)."""
    name = params.get("name") or ""
    if name.startswith("mod_"):
        name = name[4:]
    if not _NAME_RE.match(name):
        raise ProsodyError("invalid module name %r: use the name without mod_, e.g. 'mam' "
                           "(lowercase letters, digits, underscores)" % (params.get("name"),))
    hosts = params.get("hosts")
    if hosts is None:
        hosts = [GLOBAL]
    if not hosts:
        # An empty list (often a variable that came out empty) must never mean "everywhere".
        raise ProsodyError("hosts is empty: name the VirtualHosts or Components, or give [\"*\"] for the "
                           "global section (every VirtualHost)")
    for host in hosts:
        if host != GLOBAL:
            prosody_jid.check_shape(host, "host", "domain")
    state = params.get("state") or "enabled"
    if state not in ("enabled", "disabled"):
        raise ProsodyError("state %r is not one of enabled, disabled" % (state,))
    return {"name": name, "hosts": list(hosts), "state": state, "dropin": params.get("dropin")}


def read_dropin(path):
    """Return (text, state) of the drop-in; a missing file is an empty state."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return None, {}
    except OSError as exc:
        raise ProsodyError("cannot read %s: %s" % (path, exc))
    return text, parse_state(text, path)


def parse_state(text, path="the drop-in"):
    for line in text.splitlines():
        if line.startswith(STATE_PREFIX):
            try:
                state = json.loads(line[len(STATE_PREFIX):])
            except ValueError:
                raise ProsodyError("%s has a damaged state line; remove the file and re-run" % path)
            return _clean_state(state)
    raise ProsodyError("%s exists but was not written by prosody_module (no state line): "
                       "refusing to overwrite it" % path)


def _clean_state(state):
    clean = {}
    for section, lists in state.items():
        entry = {key: sorted(set(lists.get(key) or [])) for key in ("enabled", "disabled")}
        if section != GLOBAL:
            entry["component_module"] = lists.get("component_module")
            entry["load_global_modules"] = lists.get("load_global_modules")
        if entry["enabled"] or entry["disabled"]:
            clean[section] = entry
    return clean


def prepare_hosts(shell, wanted):
    """Have Prosody prepare the host names (same session); returns {as written: prepared}
    where they differ. A host named twice, also in two spellings, is refused."""
    shell.define(HELPERS)
    named = [host for host in wanted["hosts"] if host != GLOBAL]
    answers = prosody_jid.prepare(shell, named) if named else []
    prepared, hosts = {}, [GLOBAL] if GLOBAL in wanted["hosts"] else []
    for raw, answer in zip(named, answers):
        host = prosody_jid.domain(raw, answer, "host")
        prosody_jid.note_prepared(prepared, raw, host)
        if host in hosts:
            raise ProsodyError("hosts lists %s twice%s" % (host, " (as %r)" % raw if raw != host else ""))
        hosts.append(host)
    if wanted["hosts"].count(GLOBAL) > 1:
        raise ProsodyError("hosts lists * twice")
    wanted["hosts"] = hosts
    return prepared


def read_server(shell, wanted):
    """Check the module exists and every section can be extended; return the live host facts."""
    found = shell.call_json("xs_module_find", wanted["name"])
    if not found.get("found"):
        raise ProsodyError("Prosody cannot find module %r on this host: looked for mod_%s.lua (and "
                           "mod_%s/ directories) in %s" % (wanted["name"], wanted["name"], wanted["name"],
                                                           ", ".join(found.get("dirs") or ["no plugin directory"])))
    targets = None if GLOBAL in wanted["hosts"] else wanted["hosts"]
    facts = shell.call_json("xs_module_hosts", wanted["name"], targets)
    hosts = facts.get("hosts") or {}
    if isinstance(hosts, list):
        hosts = {}
    for host in wanted["hosts"]:
        if host != GLOBAL and host not in hosts:
            raise ProsodyError("unknown host %s: Prosody serves no VirtualHost or Component of that name" % host)
    key = "enabled" if wanted["state"] == "enabled" else "disabled"
    for host in wanted["hosts"]:
        has_list = facts.get("global_has_" + key) if host == GLOBAL else hosts[host].get("has_" + key)
        if not has_list:
            section = "the global section" if host == GLOBAL else "the section of %s" % host
            raise ProsodyError("%s of the main configuration sets no modules_%s list, so a drop-in cannot "
                               "add to it without replacing it: give it one (an empty list will do)"
                               % (section, key))
    return found["found"], hosts


def plan_state(wanted, state, hosts):
    """The drop-in state after this task (a new dict)."""
    new = json.loads(json.dumps(state))
    add, drop = ("enabled", "disabled") if wanted["state"] == "enabled" else ("disabled", "enabled")
    for host in wanted["hosts"]:
        entry = new.setdefault(host, {"enabled": [], "disabled": []})
        if host != GLOBAL:
            entry["component_module"] = hosts[host].get("component_module") if hosts[host]["type"] == "component" else None
            entry["load_global_modules"] = hosts[host].get("load_global_modules")
        entry[drop] = [m for m in entry.get(drop, []) if m != wanted["name"]]
        if wanted["name"] not in entry.get(add, []):
            entry[add] = entry.get(add, []) + [wanted["name"]]
    return _clean_state(new)


def live_changes(wanted, hosts):
    """Hosts where the module's loaded state will change (predicted for check mode)."""
    targets = hosts if GLOBAL in wanted["hosts"] else {h: hosts[h] for h in wanted["hosts"]}
    changes = []
    for host, fact in sorted(targets.items()):
        if wanted["state"] == "enabled" and not fact["loaded"]:
            if GLOBAL in wanted["hosts"] and fact["type"] == "component" and host not in wanted["hosts"]:
                continue  # components do not inherit ordinary global modules
            changes.append("load on " + host)
        elif wanted["state"] == "disabled" and fact["loaded"]:
            changes.append("unload from " + host)
    return changes


def render(state):
    """The drop-in text for a state: global lines first, then one section a host."""
    lines = [HEADER.rstrip("\n"), STATE_PREFIX + json.dumps(state, sort_keys=True)]
    for section in sorted(state, key=lambda s: (s != GLOBAL, s)):
        entry = state[section]
        lines.append("")
        indent = ""
        if section != GLOBAL:
            indent = "\t"
            if entry.get("component_module"):
                lines.append("Component %s %s" % (lua_quote(section), lua_quote(entry["component_module"])))
                if entry.get("load_global_modules") is not None:
                    lines.append("\tload_global_modules = %s" % lua_value(bool(entry["load_global_modules"])))
            else:
                lines.append("VirtualHost %s" % lua_quote(section))
        for key in ("enabled", "disabled"):
            if entry.get(key):
                items = "; ".join(lua_quote(m) for m in entry[key])
                lines.append("%smodules_%s:append { %s }" % (indent, key, items))
    return "\n".join(lines) + "\n"


def write_atomic(path, text, mode=0o644):
    """Replace ``path`` in one rename so Prosody never reads half a file."""
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        raise ProsodyError("the drop-in directory %s does not exist: is the prosody role applied?" % directory)
    handle, temp = tempfile.mkstemp(prefix=".xmpp-stack-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temp, mode)
        os.rename(temp, path)
    except OSError as exc:
        if os.path.exists(temp):
            os.unlink(temp)
        raise ProsodyError("cannot write %s: %s" % (path, exc))


def apply(shell, wanted, old_text, new_text):
    """Write the drop-in, let Prosody reload and sync the module; roll back on any refusal."""
    path = wanted["dropin"]
    if new_text != old_text:
        write_atomic(path, new_text)
    targets = None if GLOBAL in wanted["hosts"] else wanted["hosts"]
    result = shell.call_json("xs_module_sync", wanted["name"], targets)
    problem = result.get("error") or "; ".join(result.get("problems") or [])
    if not problem:
        wrong = verify(shell, wanted)
        if wrong:
            problem = ("the main configuration keeps it %s on %s (see its modules_enabled/modules_disabled)"
                       % ("disabled" if wanted["state"] == "enabled" else "enabled", ", ".join(wrong)))
    if problem:
        if new_text != old_text:
            _restore(path, old_text)
            shell.call_json("xs_module_sync", wanted["name"], targets)
        raise ProsodyError("Prosody refused module %s, the drop-in was restored: %s" % (wanted["name"], problem))
    done = result.get("done") or []
    return done if isinstance(done, list) else []


def verify(shell, wanted):
    """After applying: does the module's configured state on each target host hold?"""
    targets = None if GLOBAL in wanted["hosts"] else wanted["hosts"]
    facts = shell.call_json("xs_module_hosts", wanted["name"], targets)
    hosts = facts.get("hosts") or {}
    if isinstance(hosts, list):
        hosts = {}
    if GLOBAL in wanted["hosts"]:
        # Globally: every VirtualHost must follow (components only inherit a few modules).
        checked = [h for h, fact in hosts.items() if fact.get("type") == "local"] + \
            [h for h in wanted["hosts"] if h != GLOBAL]
    else:
        checked = wanted["hosts"]
    return sorted(h for h in set(checked) if hosts.get(h, {}).get("configured") != (wanted["state"] == "enabled"))


def _restore(path, old_text):
    if old_text is None:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    else:
        write_atomic(path, old_text)
