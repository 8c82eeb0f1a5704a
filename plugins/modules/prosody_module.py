#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: xmpp.stack developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module prosody_module: a Prosody module enabled or disabled, now and after restarts."""

from __future__ import annotations

DOCUMENTATION = r"""
module: prosody_module
short_description: Enable or disable a Prosody module in the configuration and on the running server
version_added: 0.1.0
description:
  - Makes a module enabled or disabled globally or on given hosts, in a way that holds both now
    and after a restart.
  - The state is written into a managed configuration drop-in (by default
    C(/etc/prosody/conf.d/90-xmpp-stack-modules.cfg.lua)) that the main configuration includes
    last. The drop-in adds to the C(modules_enabled) and C(modules_disabled) lists of the main
    configuration with Prosody 13's C(modules_enabled:append { ... }) syntax instead of replacing
    them, so each section it touches must define those lists (the main file may keep them empty).
  - Then Prosody reloads its configuration (which parses and validates it; a refused
    configuration or a module that fails to load restores the previous drop-in) and the module
    is loaded or unloaded on each affected host.
  - Refuses module names that Prosody cannot find in its plugin directories, listing where it
    looked.
author:
  - xmpp.stack developers (@xmpp-stack)
seealso:
  - module: xmpp.stack.prosody_info
    description: Which modules each VirtualHost and component has loaded.
  - ref: "xmpp.stack.prosody role <ansible_collections.xmpp.stack.prosody_role>"
    description: The prosody role, which installs and configures the Prosody server these modules talk to.
extends_documentation_fragment:
  - xmpp.stack.prosody
  - xmpp.stack.prosody.attributes
options:
  name:
    description:
      - The module's name, without the C(mod_) prefix (a leading C(mod_) is removed).
    type: str
    required: true
  hosts:
    description:
      - The VirtualHosts or Components to change, or C(*) for the global section (every
        VirtualHost, and the components that inherit global modules).
      - An empty list fails (a variable that came out empty never means every host).
      - Names are prepared by the running Prosody (nameprep, e.g. C(Example.ORG) is
        C(example.org)); the prepared names are used, returned in RV(hosts), and a warning names
        each one that differs from what the task wrote.
    type: list
    elements: str
    default: ["*"]
  state:
    description:
      - V(enabled) adds the module to the sections' C(modules_enabled), V(disabled) to their
        C(modules_disabled).
    type: str
    choices: [enabled, disabled]
    default: enabled
  dropin:
    description:
      - The drop-in file this module owns. Its directory must be included by the main
        configuration; a file there that this module did not write is never overwritten.
    type: path
    default: /etc/prosody/conf.d/90-xmpp-stack-modules.cfg.lua
"""

EXAMPLES = r"""
- name: Enable message archiving everywhere
  xmpp.stack.prosody_module:
    name: mam

- name: Enable MUC archiving on the conference component
  xmpp.stack.prosody_module:
    name: muc_mam
    hosts: [conference.example.org]

- name: Switch off in-band registration on one host
  xmpp.stack.prosody_module:
    name: register
    hosts: [example.org]
    state: disabled
"""

RETURN = r"""
module_path:
  description: Where Prosody found the module's code.
  returned: always
  type: str
  sample: /usr/lib/prosody/modules/mod_mam/mod_mam.lua
live:
  description: What was (or would be, in check mode) loaded or unloaded on the running server.
  returned: always
  type: list
  elements: str
  sample: ["loaded on example.org"]
dropin_changed:
  description: Whether the drop-in's content changed (or would change).
  returned: always
  type: bool
  sample: true
hosts:
  description: The sections changed, host names as Prosody prepared them (C(*) is the global section).
  returned: always
  type: list
  elements: str
  sample: ["conference.example.org"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.xmpp.stack.plugins.module_utils.prosody_shell import common_argument_spec, run_in_session
from ansible_collections.xmpp.stack.plugins.module_utils import prosody_jid, prosody_modules


def run_module(module, shell):
    wanted = prosody_modules.wanted_module(module.params)
    prepared = prosody_modules.prepare_hosts(shell, wanted)
    for warning in prosody_jid.warnings(prepared):
        module.warn(warning)
    old_text, state = prosody_modules.read_dropin(wanted["dropin"])
    path, hosts = prosody_modules.read_server(shell, wanted)
    new_state = prosody_modules.plan_state(wanted, state, hosts)
    new_text = prosody_modules.render(new_state)
    dropin_changed = new_text != old_text
    live = prosody_modules.live_changes(wanted, hosts)
    if (dropin_changed or live) and not module.check_mode:
        live = prosody_modules.apply(shell, wanted, old_text, new_text)
    result = {"changed": bool(dropin_changed or live), "module_path": path, "live": live,
              "dropin_changed": dropin_changed, "hosts": wanted["hosts"]}
    if module._diff:
        result["diff"] = {"before": old_text or "", "after": new_text,
                          "before_header": wanted["dropin"], "after_header": wanted["dropin"]}
    return result


def main():
    module = AnsibleModule(
        argument_spec=common_argument_spec(
            name=dict(type="str", required=True),
            hosts=dict(type="list", elements="str", default=["*"]),
            state=dict(type="str", default="enabled", choices=["enabled", "disabled"]),
            dropin=dict(type="path", default="/etc/prosody/conf.d/90-xmpp-stack-modules.cfg.lua"),
        ),
        supports_check_mode=True,
    )
    run_in_session(module, lambda shell: run_module(module, shell))


if __name__ == "__main__":
    main()
