#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: xmpp.stack developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module prosody_info: what a running Prosody serves, read in one admin-shell session."""

from __future__ import annotations

DOCUMENTATION = r"""
module: prosody_info
short_description: Read facts from a running Prosody server
version_added: 0.1.0
description:
  - Returns the running Prosody's version, its VirtualHosts and components, the modules loaded
    on each, the number of accounts of each VirtualHost and the number of rooms of each MUC
    component (destroyed rooms' tombstones not counted), read through one admin-shell session.
    Changes nothing.
  - Also returns the storage Prosody is configured with and, with O(counts=true), what it keeps
    there (accounts, roster items, archived messages, rooms, room messages) counted through
    Prosody's storage API, so that the numbers of two storage backends can be compared.
author:
  - xmpp.stack developers (@xmpp-stack)
seealso:
  - module: xmpp.stack.prosody_user
    description: Manage the accounts it counts.
  - module: xmpp.stack.prosody_muc_room
    description: Manage the rooms it counts.
  - module: xmpp.stack.prosody_module
    description: Enable or disable the modules it lists.
  - ref: "xmpp.stack.prosody role <ansible_collections.xmpp.stack.prosody_role>"
    description: The prosody role, which installs and configures the Prosody server these modules talk to.
extends_documentation_fragment:
  - xmpp.stack.prosody
  - xmpp.stack.read_only
options:
  counts:
    description:
      - Count what Prosody keeps in its storage. This reads every archive, so it is slower on big servers.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Read what Prosody serves
  xmpp.stack.prosody_info:
  register: prosody

- name: Show the account count of each host
  ansible.builtin.debug:
    msg: "{{ prosody.hosts | dict2items | map(attribute='value.users') }}"

- name: Count what Prosody keeps in its storage
  xmpp.stack.prosody_info:
    counts: true
  register: stored
"""

RETURN = r"""
version:
  description: The running Prosody's version.
  returned: always
  type: str
  sample: 13.0.1
hosts:
  description: VirtualHosts with their loaded modules and account count.
  returned: always
  type: dict
  sample: {"example.org": {"modules": ["c2s", "disco", "mam"], "users": 42}}
components:
  description: Components with their component module, loaded modules and (for MUC) room count.
  returned: always
  type: dict
  sample: {"conference.example.org": {"module": "muc", "modules": ["muc", "muc_mam"], "rooms": 3}}
storage:
  description: >-
    The global storage setting of the running Prosody (C(internal) when unset): a backend name,
    or a mapping of store to backend.
  returned: always
  type: raw
  sample: sql
counts:
  description: What Prosody keeps in its storage, counted through its storage API.
  returned: when O(counts=true)
  type: dict
  contains:
    accounts:
      description: Accounts of all VirtualHosts.
      type: int
    roster_items:
      description: Contacts in all rosters.
      type: int
    archived_messages:
      description: Messages in the users' archives (MAM).
      type: int
    rooms:
      description: Persistent rooms of all MUC components.
      type: int
    room_messages:
      description: Messages in the rooms' archives.
      type: int
  sample: {"accounts": 3, "roster_items": 4, "archived_messages": 12, "rooms": 1, "room_messages": 5}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.xmpp.stack.plugins.module_utils.prosody_lines import COMMON_HELPERS, one_line
from ansible_collections.xmpp.stack.plugins.module_utils.prosody_shell import common_argument_spec, run_in_session

INFO_HELPER = one_line("""
> function xs_info()
  local out = { version = prosody.version, hosts = {}, components = {} };
  for h, hs in pairs(prosody.hosts) do
    local mods = {};
    for m in pairs(xs_mm.get_modules(h) or {}) do mods[#mods+1] = m end;
    table.sort(mods);
    if hs.type == "local" then
      local n = 0;
      for u in xs_um.users(h) do n = n + 1 end;
      out.hosts[h] = { modules = mods, users = n };
    else
      local rooms = nil;
      if hs.modules.muc then rooms = 0; for r in hs.modules.muc.each_room() do if not r._data.destroyed then rooms = rooms + 1 end end end;
      out.components[h] = { module = xs_cm.get(h, "component_module"), modules = mods, rooms = rooms };
    end
  end;
  out.storage = xs_cm.get("*", "storage") or "internal";
  return out;
end
""")

# The roster's metadata lives under the key false; contacts are JID strings. Rooms are the
# persistent store's keys; their messages the muc_log archive under the room's node.
COUNT_HELPER = one_line("""
> function xs_storage_counts()
  local function count(iter) local n = 0; if iter then for _ in iter do n = n + 1 end end; return n end;
  local split = require"prosody.util.jid".split;
  local c = { accounts = 0, roster_items = 0, archived_messages = 0, rooms = 0, room_messages = 0 };
  for name, host in pairs(prosody.hosts) do
    if host.type == "local" then
      for user in xs_um.users(name) do
        c.accounts = c.accounts + 1;
        for contact in pairs(xs_sm.open(name, "roster"):get(user) or {}) do
          if type(contact) == "string" then c.roster_items = c.roster_items + 1 end
        end;
        c.archived_messages = c.archived_messages + count(xs_sm.open(name, "archive", "archive"):find(user, {}));
      end
    elseif host.modules and host.modules.muc then
      for room in pairs(xs_sm.open(name, "persistent"):get(nil) or {}) do
        c.rooms = c.rooms + 1;
        c.room_messages = c.room_messages + count(xs_sm.open(name, "muc_log", "archive"):find((split(room)), {}));
      end
    end
  end;
  return c;
end
""")


def read_info(shell, counts=False):
    """Facts as a dict; empty Lua tables come back as lists and are turned into dicts."""
    shell.define(COMMON_HELPERS + [INFO_HELPER] + ([COUNT_HELPER] if counts else []))
    info = shell.call_json("xs_info")
    for key in ("hosts", "components"):
        if not isinstance(info.get(key), dict):
            info[key] = {}
    if counts:
        info["counts"] = shell.call_json("xs_storage_counts")
    return info


def facts(shell, counts=False):
    """The module's result: read-only, so never changed."""
    info = read_info(shell, counts)
    result = dict(changed=False, version=info.get("version"), hosts=info["hosts"], components=info["components"],
                  storage=info.get("storage", "internal"))
    if counts:
        result["counts"] = info["counts"]
    return result


def main():
    module = AnsibleModule(argument_spec=common_argument_spec(counts=dict(type="bool", default=False)),
                           supports_check_mode=True)
    run_in_session(module, lambda shell: facts(shell, module.params["counts"]))


if __name__ == "__main__":
    main()
