# -*- coding: utf-8 -*-
# Copyright: xmpp.stack developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading, planning and applying Prosody accounts for the prosody_user module.

The flow is the collection's: wanted accounts (validated locally) -> one read of the current
records through the admin shell -> a plan computed in Python (SCRAM comparison included) ->
check mode stops there -> otherwise the plan is applied in the same shell session.

New credentials are derived here, with a fresh UUID salt, the host's hash and iteration count,
exactly as mod_auth_internal_hashed would: the plain password never leaves this process.
"""

from __future__ import annotations

from ansible_collections.xmpp.stack.plugins.module_utils.prosody_lines import (
    COMMON_HELPERS,
    ProsodyError,
    one_line,
)
from ansible_collections.xmpp.stack.plugins.module_utils import prosody_jid, scram

STATES = ("present", "absent", "disabled")
UPDATE_PASSWORD = ("always", "on_create")
# How many account operations one helper call applies (its argument is staged over several
# admin-shell lines, see prosody_shell.staged_call): the per-call round trip becomes negligible.
BATCH = 500
# Accounts read per call: answers stay far below what one admin-shell answer may carry.
READ_CHUNK = 400

# Session helpers of this module, defined once per shell session (each one Lua line).
HELPERS = COMMON_HELPERS + [
    prosody_jid.HELPER,
    one_line("""
> function xs_user_names(h)
  local list = {};
  for u in xs_um.users(h) do list[#list+1] = u end;
  return list;
end
"""),
    one_line("""
> function xs_accounts(h, names)
  local accounts, roles = xs_sm.open(h, "accounts"), xs_sm.open(h, "account_roles");
  local default_role = xs_cm.get(h, "default_user_role") or "prosody:registered";
  local out = {};
  for _, u in ipairs(names) do
    local a = accounts:get(u);
    if a then
      local r = roles:get(u);
      out[u] = { s = a.salt, i = a.iteration_count, k = a.stored_key and #a.stored_key or 0,
        d = a.disabled == true or nil, r = r and r._default or default_role };
    end
  end;
  return out;
end
"""),
    one_line("""
> function xs_keys_differ(h, list)
  local accounts, out = xs_sm.open(h, "accounts"), {};
  for _, c in ipairs(list) do
    local a = accounts:get(c[1]) or {};
    if a.stored_key ~= c[2] or a.server_key ~= c[3] then out[#out+1] = c[1] end
  end;
  return out;
end
"""),
    one_line("""
> function xs_user_apply(h, ops)
  local accounts = xs_sm.open(h, "accounts");
  local res = {};
  for i, op in ipairs(ops) do
    local kind, u, ok, err = op[1], op[2], nil, nil;
    if kind == "create" then
      if xs_um.user_exists(u, h) then err = "User exists" else
        local now, c = os.time(), op[3] or {};
        ok, err = accounts:set(u, { salt = c.salt, iteration_count = c.iteration_count,
          stored_key = c.stored_key, server_key = c.server_key, created = now, updated = now,
          disabled = op[5] or nil });
        if ok then xs_log("info", "User account created: %s@%s", u, h); ok, err = xs_um.set_user_role(u, h, op[4]) end
      end
    elseif kind == "password" then
      local a, c = accounts:get(u), op[3];
      if not a then err = "No such user" else
        a.salt, a.iteration_count, a.stored_key, a.server_key = c.salt, c.iteration_count, c.stored_key, c.server_key;
        a.password, a.updated = nil, os.time();
        ok, err = accounts:set(u, a);
        if ok then
          xs_log("info", "Account password changed: %s@%s", u, h);
          prosody.events.fire_event("user-password-changed", { username = u, host = h });
        end
      end
    elseif kind == "role" then ok, err = xs_um.set_user_role(u, h, op[3])
    elseif kind == "disable" then ok, err = xs_um.disable_user(u, h)
    elseif kind == "enable" then ok, err = xs_um.enable_user(u, h)
    elseif kind == "delete" then ok, err = xs_um.delete_user(u, h)
    else err = "unknown operation" end;
    if ok then res[i] = true else res[i] = tostring(err or "failed") end
  end;
  return res;
end
"""),
]


def wanted_users(params):
    """Normalise the module's options into a list of wanted accounts (dicts), or raise.

    Names are checked for their shape only: prepare_users() has Prosody prepare them."""
    defaults = {
        "state": params.get("state") or "present",
        "update_password": params.get("update_password") or "always",
        "host": params.get("host"),
    }
    if params.get("host") is not None:
        prosody_jid.check_shape(params["host"], "host", "domain")
    entries = []
    if params.get("users") is not None:
        if params.get("jid") or params.get("name"):
            raise ProsodyError("use either users or jid/name, not both")
        for index, item in enumerate(params["users"]):
            if not isinstance(item, dict):
                raise ProsodyError("users[%d] must be a dictionary, got %r" % (index, type(item).__name__))
            entries.append(_one_user(item, defaults, "users[%d]" % index))
    elif params.get("jid") or params.get("name"):
        entries.append(_one_user(params, defaults, "this task"))
    if params.get("exclusive"):
        if not params.get("host"):
            raise ProsodyError("exclusive: true needs host: the accounts of which host to prune")
    elif not entries:
        raise ProsodyError("nothing to do: give jid, name and host, or users")
    return entries


def _one_user(item, defaults, where):
    unknown = set(item) - {"jid", "name", "host", "state", "password", "update_password", "role"}
    if where.startswith("users[") and unknown:
        raise ProsodyError("%s has unknown keys: %s" % (where, ", ".join(sorted(unknown))))
    jid = item.get("jid")
    if jid:
        if item.get("name"):
            raise ProsodyError("%s: give jid or name, not both" % where)
        prosody_jid.check_shape(jid, "JID")
    else:
        node, host = item.get("name"), item.get("host") or defaults["host"]
        if not node:
            raise ProsodyError("%s: give jid, or name with host" % where)
        if not host:
            raise ProsodyError("%s: name %r needs a host" % (where, node))
        if not isinstance(node, str) or "@" in node or "/" in node:
            raise ProsodyError("%s: name %r must be a local part alone (no @ or /): give jid instead" % (where, node))
        prosody_jid.check_shape(host, "host", "domain")
        jid = "%s@%s" % (node, host)
    state = item.get("state") or defaults["state"]
    if state not in STATES:
        raise ProsodyError("%s: state %r is not one of %s" % (where, state, ", ".join(STATES)))
    update = item.get("update_password") or defaults["update_password"]
    if update not in UPDATE_PASSWORD:
        raise ProsodyError("%s: update_password %r is not one of %s" % (where, update, ", ".join(UPDATE_PASSWORD)))
    password = item.get("password")
    if password is not None:
        if not isinstance(password, str) or password == "":
            raise ProsodyError("%s: the password of %s is empty" % (where, jid))
        try:
            scram.saslprep(password)
        except scram.ScramError as exc:
            raise ProsodyError("%s: the password of %s is unusable: %s" % (where, jid, exc))
    role = item.get("role")
    if role is not None and (not isinstance(role, str) or not role.strip()):
        raise ProsodyError("%s: role of %s is empty" % (where, jid))
    return {"input": jid, "name": None, "host": None, "jid": jid, "state": state,
            "password": password, "update_password": update, "role": role}


def prepare_users(shell, entries, exclusive_host=None):
    """Have Prosody prepare every name (same session); return (entries with the prepared
    name, host and jid, the prepared exclusive host, {input: prepared} where they differ).

    Two entries that prepare to one account are refused, and so is, with exclusive, an entry
    of another host: both are decided on prepared names, as Prosody sees them."""
    shell.define(HELPERS)
    inputs = [entry["input"] for entry in entries] + ([exclusive_host] if exclusive_host else [])
    answers = prosody_jid.prepare(shell, inputs)
    prepared = {}
    if exclusive_host:
        host = prosody_jid.domain(exclusive_host, answers.pop(), "host")
        prosody_jid.note_prepared(prepared, exclusive_host, host)
        exclusive_host = host
    seen = {}
    out = []
    for entry, answer in zip(entries, answers):
        node, host = prosody_jid.bare_jid(entry["input"], answer)
        jid = prosody_jid.join(node, host)
        if jid in seen:
            same = "" if seen[jid] == entry["input"] else " (%r and %r are the same account)" % (seen[jid], entry["input"])
            raise ProsodyError("account %s is listed twice%s" % (jid, same))
        seen[jid] = entry["input"]
        prosody_jid.note_prepared(prepared, entry["input"], jid)
        out.append(dict(entry, name=node, host=host, jid=jid))
    if exclusive_host:
        strays = sorted(e["jid"] for e in out if e["host"] != exclusive_host)
        if strays:
            raise ProsodyError("exclusive: true with host %s, but these accounts are on another host: %s"
                               % (exclusive_host, ", ".join(strays)))
    return out, exclusive_host, prepared


def read_state(shell, entries, exclusive_host=None):
    """One read through the shell (after prepare_users): host facts and the current records of
    the listed accounts."""
    hosts = sorted(set(e["host"] for e in entries) | ({exclusive_host} if exclusive_host else set()))
    info = {host: shell.call_json("xs_host_info", host) for host in hosts}
    for host in hosts:
        _check_host(host, info[host])
    records = {}
    for host in hosts:
        if host == exclusive_host:
            names = sorted(shell.call_json("xs_user_names", host) or [])
        else:
            names = sorted(e["name"] for e in entries if e["host"] == host)
        records[host] = {}
        for start in range(0, len(names), READ_CHUNK):
            found = shell.call_json("xs_accounts", host, names[start:start + READ_CHUNK])
            for name, raw in (found.items() if isinstance(found, dict) else ()):
                records[host][name] = _record(raw)
    return info, records


def _record(raw):
    """A compact account description from xs_accounts; the keys themselves stay in Prosody."""
    return {"salt": raw.get("s"), "iteration_count": raw.get("i"), "disabled": bool(raw.get("d")),
            "role": raw.get("r"), "hash": scram.HEX_LENGTH.get(raw.get("k") or 0)}


def _check_host(host, info):
    if not info.get("exists"):
        raise ProsodyError("unknown host %s: Prosody serves no VirtualHost of that name" % host)
    if info.get("type") != "local":
        raise ProsodyError("host %s is a component (%s), not a VirtualHost: it has no user accounts"
                           % (host, info.get("component_module") or "component"))


def plan_users(shell, entries, info, records, exclusive_host=None, hash_workers=None):
    """Compute what must change. Returns a list of steps: dicts with jid, host, name, actions,
    before and after (password states masked) and, for the apply phase, the wanted entry."""
    _check_wanted_against_server(entries, info)
    verdicts = _password_verdicts(shell, entries, info, records, hash_workers)
    plan = []
    for entry in entries:
        record = records[entry["host"]].get(entry["name"])
        step = _plan_one(entry, info[entry["host"]], record, verdicts.get(entry["jid"]))
        plan.append(step)
    if exclusive_host:
        listed = set(e["name"] for e in entries if e["host"] == exclusive_host)
        for name in sorted(set(records[exclusive_host]) - listed):
            plan.append({"jid": "%s@%s" % (name, exclusive_host), "host": exclusive_host, "name": name,
                         "actions": ["delete"], "before": _describe(records[exclusive_host][name]),
                         "after": {"state": "absent"}, "entry": None})
    return plan


def _check_wanted_against_server(entries, info):
    for entry in entries:
        host_info = info[entry["host"]]
        if host_info.get("password_hash") not in scram.HASHES:
            raise ProsodyError("host %s is configured with password_hash %r, which SCRAM does not support (%s)"
                               % (entry["host"], host_info.get("password_hash"), ", ".join(scram.HASHES)))
        if entry["role"] and entry["role"] not in host_info.get("roles", []):
            raise ProsodyError("unknown role %r for %s: host %s knows %s" % (
                entry["role"], entry["jid"], entry["host"], ", ".join(sorted(host_info.get("roles", [])))))
        if entry["password"] is not None and host_info.get("auth") != "internal_hashed":
            raise ProsodyError("host %s uses authentication %r: prosody_user manages passwords only with "
                               "internal_hashed" % (entry["host"], host_info.get("auth")))


def _password_verdicts(shell, entries, info, records, workers):
    """For each existing account whose password is managed: does the stored SCRAM match?

    Python recomputes the stored and server keys from the wanted password with the record's
    salt and iteration count (one PBKDF2 each, in a thread pool), then Prosody compares them
    with the stored keys, so the stored keys never leave the server. A record made with
    another hash than the configured one does not match: it must be re-hashed.
    """
    jobs = []
    verdicts = {}
    for entry in entries:
        record = records[entry["host"]].get(entry["name"])
        if not record or entry["state"] == "absent" or entry["password"] is None \
                or entry["update_password"] != "always":
            continue
        hash_name = info[entry["host"]]["password_hash"]
        if record["hash"] != hash_name or not record["salt"] or not isinstance(record["iteration_count"], int):
            verdicts[entry["jid"]] = False
        else:
            jobs.append((entry, record, hash_name))

    def candidate(job):
        entry, record, hash_name = job
        keys = scram.derive(entry["password"], record["salt"], record["iteration_count"], hash_name)
        return entry, keys

    by_host = {}
    for entry, keys in scram.run_parallel(candidate, jobs, workers):
        by_host.setdefault(entry["host"], []).append([entry["name"], keys[0], keys[1]])
        verdicts[entry["jid"]] = True
    for host, candidates in sorted(by_host.items()):
        for start in range(0, len(candidates), READ_CHUNK):
            differ = shell.call_json("xs_keys_differ", host, candidates[start:start + READ_CHUNK]) or []
            for name in differ:
                verdicts["%s@%s" % (name, host)] = False
    return verdicts


def _describe(record):
    if not record:
        return {"state": "absent"}
    return {"state": "disabled" if record.get("disabled") else "present", "role": record.get("role"),
            "password_hash": record.get("hash")}


def _plan_one(entry, host_info, record, password_ok):
    before = _describe(record)
    actions = []
    after = dict(before)
    if entry["state"] == "absent":
        if record:
            actions.append("delete")
            after = {"state": "absent"}
        return _step(entry, actions, before, after)
    if not record:
        if entry["password"] is None and entry["state"] == "present":
            raise ProsodyError("%s does not exist: a password is needed to create it" % entry["jid"])
        actions.append("create")
        after = {"state": entry["state"], "role": entry["role"] or host_info["default_role"],
                 "password_hash": host_info["password_hash"] if entry["password"] else None,
                 "password": "set" if entry["password"] else "none"}
        return _step(entry, actions, before, after)
    if password_ok is False:
        actions.append("password")
        after["password"] = "changed"
        after["password_hash"] = host_info["password_hash"]
    if entry["role"] and entry["role"] != record.get("role"):
        actions.append("role")
        after["role"] = entry["role"]
    if entry["state"] == "disabled" and not record.get("disabled"):
        actions.append("disable")
        after["state"] = "disabled"
    elif entry["state"] == "present" and record.get("disabled"):
        if record.get("hash") is None and entry["password"] is None:
            raise ProsodyError("%s is disabled and has no password: give one to enable it" % entry["jid"])
        if record.get("hash") is None and "password" not in actions:
            actions.insert(0, "password")
            after["password"] = "set"
        actions.append("enable")
        after["state"] = "present"
    return _step(entry, actions, before, after)


def _step(entry, actions, before, after):
    return {"jid": entry["jid"], "host": entry["host"], "name": entry["name"], "actions": actions,
            "before": before, "after": after, "entry": entry}


def apply_plan(shell, plan, info, hash_workers=None):
    """Execute the plan in the open session; raise ProsodyError naming the first failure."""
    steps = [step for step in plan if step["actions"]]
    credentials = _derive_all(steps, info, hash_workers)
    by_host = {}
    for step in steps:
        by_host.setdefault(step["host"], []).extend(_operations(step, info[step["host"]], credentials))
    for host, ops in sorted(by_host.items()):
        for start in range(0, len(ops), BATCH):
            chunk = ops[start:start + BATCH]
            results = shell.call_json("xs_user_apply", host, [pair[0] for pair in chunk])
            for (op, jid), result in zip(chunk, results):
                if result is not True:
                    raise ProsodyError("Prosody refused to %s %s: %s" % (op[0], jid, result))


def _derive_all(steps, info, workers):
    """New credentials for every create/password action, hashed in parallel."""
    jobs = [step for step in steps
            if step["entry"] and step["entry"]["password"] is not None
            and ("create" in step["actions"] or "password" in step["actions"])]

    def derive(step):
        host_info = info[step["host"]]
        return step["jid"], scram.new_credentials(step["entry"]["password"], host_info["password_hash"],
                                                  max(int(host_info["iteration_count"]), scram.MIN_ITERATIONS))

    return dict(scram.run_parallel(derive, jobs, workers))


def _operations(step, host_info, credentials):
    name, jid, entry = step["name"], step["jid"], step["entry"]
    ops = []
    for action in step["actions"]:
        if action == "create":
            role = entry["role"] or host_info["default_role"]
            ops.append((["create", name, credentials.get(jid), role, entry["state"] == "disabled"], jid))
        elif action == "password":
            ops.append((["password", name, credentials[jid]], jid))
        elif action == "role":
            ops.append((["role", name, entry["role"]], jid))
        else:
            ops.append(([action, name], jid))
    return ops


def summarize(plan):
    """The module's result pieces: changed accounts by action, and the diff (secrets masked)."""
    changes = {}
    for step in plan:
        for action in step["actions"]:
            changes.setdefault(action, []).append(step["jid"])
    changed_steps = [step for step in plan if step["actions"]]
    diff = {
        "before": {step["jid"]: step["before"] for step in changed_steps},
        "after": {step["jid"]: step["after"] for step in changed_steps},
    }
    return changes, diff
