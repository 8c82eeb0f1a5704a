#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: xmpp.stack developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module prosody_user: idempotent Prosody accounts with real password comparison."""

from __future__ import annotations

DOCUMENTATION = r"""
module: prosody_user
short_description: Manage Prosody user accounts, their passwords and roles
version_added: 0.1.0
description:
  - Creates, updates, disables and deletes accounts of a running Prosody 13 server, one account
    or many in one task, through a single admin-shell session.
  - Passwords are compared for real with the stored SCRAM credentials, so C(changed) is true
    only when a password really differs, or when the stored credentials were made with another
    hash than the configured one. The module reads each account's salt and iteration count,
    recomputes the stored key and server key with hashlib for the host's configured hash, and
    has Prosody compare them with the stored keys, which never leave the server.
  - New credentials are derived by the module itself, with a fresh salt and the host's
    iteration count, exactly as C(mod_auth_internal_hashed) makes them; the password never
    leaves the module's process.
author:
  - xmpp.stack developers (@xmpp-stack)
seealso:
  - module: xmpp.stack.prosody_muc_room
    description: Rooms whose affiliations name these accounts.
  - module: xmpp.stack.prosody_info
    description: How many accounts each VirtualHost has.
  - ref: "xmpp.stack.prosody role <ansible_collections.xmpp.stack.prosody_role>"
    description: The prosody role, which installs and configures the Prosody server these modules talk to.
extends_documentation_fragment:
  - xmpp.stack.prosody
  - xmpp.stack.prosody.attributes
notes:
  - Prosody gives accounts listed in the configuration's C(admins) their role from the
    configuration, whatever is stored; this module manages the stored primary role.
  - "Names are those Prosody uses: the module has the running Prosody prepare every JID, name and
    host (nodeprep for local parts, nameprep for domains, strict stringprep as for stored strings)
    in its session, manages the account under the prepared name, returns it (RV(jid), RV(prepared))
    and warns when it differs from what the task wrote: C(straße@example.org) is the account
    C(strasse@example.org), the one a client logging in as C(straße) reaches; a full-width
    C(ａｌｉｃｅ) or C(ali<U+200B>ce) is C(alice). Names Prosody cannot prepare (spaces, C(:), code
    points unassigned in Unicode 3.2, over 1023 bytes), resources, and two entries that prepare to
    the same account fail before anything changes. O(exclusive) compares prepared names."
  - Pass many accounts through O(users) rather than looping over the module with passwords as
    loop items, since Ansible prints loop items in verbose output even when the module hides
    its password options.
options:
  jid:
    description:
      - The account's bare JID, C(user@host). Mutually exclusive with O(name) and O(users).
    type: str
  name:
    description:
      - The account's local part; needs O(host).
    type: str
  host:
    description:
      - The VirtualHost of O(name), and the default host of entries of O(users) that give a name.
      - With O(exclusive=true), the host whose accounts not listed are removed.
    type: str
  state:
    description:
      - V(present) makes sure the account exists and can log in, V(disabled) that it exists but
        cannot log in, V(absent) that it does not exist.
      - With O(users), the default state of the entries.
    type: str
    choices: [present, absent, disabled]
    default: present
  password:
    description:
      - The wanted password. Needed to create an account in state V(present).
    type: str
  update_password:
    description:
      - V(always) sets the password whenever it differs from the stored one; V(on_create) sets it
        only when the account is created.
      - With O(users), the default of the entries.
    type: str
    choices: [always, on_create]
    default: always
  role:
    description:
      - The account's primary Prosody 13 role, for example V(prosody:member) or V(prosody:admin).
      - When omitted, an existing account keeps its role and a new one gets the host's
        C(default_provisioned_role) (V(prosody:member) by default).
    type: str
  users:
    description:
      - Many accounts in one task and one admin-shell session. Each entry gives O(users[].jid), or O(users[].name)
        with O(users[].host) (or the task's O(host)); unset keys take the task's values.
    type: list
    elements: dict
    suboptions:
      jid:
        description: The account's bare JID.
        type: str
      name:
        description: The account's local part.
        type: str
      host:
        description: The account's VirtualHost when O(users[].name) is given.
        type: str
      state:
        description: As O(state).
        type: str
        choices: [present, absent, disabled]
      password:
        description: As O(password).
        type: str
      update_password:
        description: As O(update_password).
        type: str
        choices: [always, on_create]
      role:
        description: As O(role).
        type: str
  exclusive:
    description:
      - Remove every account of O(host) that is not listed.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Ensure one account
  xmpp.stack.prosody_user:
    jid: alice@example.org
    password: "{{ vault_alice_password }}"
    role: prosody:member

- name: Ensure every account of the inventory, remove the others
  xmpp.stack.prosody_user:
    host: example.org
    users: "{{ xmpp_users }}"
    exclusive: true

- name: Lock an account without deleting its data
  xmpp.stack.prosody_user:
    name: mallory
    host: example.org
    state: disabled
"""

RETURN = r"""
changes:
  description: The accounts changed (or that would change in check mode), by action.
  returned: always
  type: dict
  sample: {"create": ["bob@example.org"], "password": ["alice@example.org"]}
  contains:
    create:
      description: The accounts that are (or would be) created.
      returned: when an account does
      type: list
      elements: str
      sample: ["bob@example.org"]
    password:
      description: The accounts that get (or would get) a new password.
      returned: when an account does
      type: list
      elements: str
      sample: ["bob@example.org"]
    role:
      description: The accounts that get (or would get) another role.
      returned: when an account does
      type: list
      elements: str
      sample: ["bob@example.org"]
    disable:
      description: The accounts that are (or would be) disabled.
      returned: when an account does
      type: list
      elements: str
      sample: ["bob@example.org"]
    enable:
      description: The accounts that are (or would be) enabled again.
      returned: when an account does
      type: list
      elements: str
      sample: ["bob@example.org"]
    delete:
      description: The accounts that are (or would be) deleted.
      returned: when an account does
      type: list
      elements: str
      sample: ["bob@example.org"]
accounts:
  description: How many accounts the task looked at.
  returned: always
  type: int
  sample: 2
jid:
  description: The account's JID as Prosody prepared it, when one account is given (O(jid) or O(name)).
  returned: when O(jid) or O(name) is given
  type: str
  sample: strasse@example.org
prepared:
  description: Each name of the task that Prosody prepares to another name, with that name (empty when none).
  returned: always
  type: dict
  sample: {"straße@example.org": "strasse@example.org"}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.xmpp.stack.plugins.module_utils.prosody_shell import common_argument_spec, run_in_session
from ansible_collections.xmpp.stack.plugins.module_utils import prosody_jid, prosody_users


def run_module(module, shell):
    """Plan and (outside check mode) apply; returns the result dict."""
    entries = prosody_users.wanted_users(module.params)
    exclusive_host = module.params["host"] if module.params["exclusive"] else None
    entries, exclusive_host, prepared = prosody_users.prepare_users(shell, entries, exclusive_host)
    for warning in prosody_jid.warnings(prepared):
        module.warn(warning)
    info, records = prosody_users.read_state(shell, entries, exclusive_host)
    plan = prosody_users.plan_users(shell, entries, info, records, exclusive_host)
    changes, diff = prosody_users.summarize(plan)
    if changes and not module.check_mode:
        prosody_users.apply_plan(shell, plan, info)
    result = {"changed": bool(changes), "changes": changes, "accounts": len(plan), "prepared": prepared}
    if module.params["users"] is None and entries:
        result["jid"] = entries[0]["jid"]
    if module._diff:
        result["diff"] = diff
    return result


def main():
    module = AnsibleModule(
        argument_spec=common_argument_spec(
            jid=dict(type="str"),
            name=dict(type="str"),
            host=dict(type="str"),
            state=dict(type="str", default="present", choices=["present", "absent", "disabled"]),
            password=dict(type="str", no_log=True),
            update_password=dict(type="str", default="always", choices=["always", "on_create"], no_log=False),
            role=dict(type="str"),
            users=dict(type="list", elements="dict", options=dict(
                jid=dict(type="str"),
                name=dict(type="str"),
                host=dict(type="str"),
                state=dict(type="str", choices=["present", "absent", "disabled"]),
                password=dict(type="str", no_log=True),
                update_password=dict(type="str", choices=["always", "on_create"], no_log=False),
                role=dict(type="str"),
            )),
            exclusive=dict(type="bool", default=False),
        ),
        mutually_exclusive=[["jid", "name", "users"], ["jid", "host"]],
        supports_check_mode=True,
    )
    run_in_session(module, lambda shell: run_module(module, shell))


if __name__ == "__main__":
    main()
