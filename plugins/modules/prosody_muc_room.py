#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: xmpp.stack developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module prosody_muc_room: one MUC room, its configuration and affiliations."""

from __future__ import annotations

DOCUMENTATION = r"""
module: prosody_muc_room
short_description: Manage a Prosody multi-user chat room, its configuration and affiliations
version_added: 0.1.0
description:
  - Creates or destroys a room on a Prosody 13 MUC component, sets the room options that are
    given and the affiliations that are listed, through a single admin-shell session.
  - Only what differs is changed, and the result lists what was changed. Options left unset
    are not touched.
  - "Names are those Prosody uses: the running Prosody prepares the room JID and every affiliated
    JID in the module's session (nodeprep, nameprep, strict stringprep as MUC requires), the module
    manages the prepared names, returns the room's in RV(room), lists every changed spelling in
    RV(prepared) and warns about it. A room given as C(straße@conference.example.org) is the room
    C(strasse@conference.example.org) that a client joining C(straße@conference.example.org)
    enters. Names Prosody cannot prepare, resources and a JID listed under two affiliations in two
    spellings fail before anything changes; O(affiliations_mode=exact) compares prepared names."
author:
  - xmpp.stack developers (@xmpp-stack)
seealso:
  - module: xmpp.stack.prosody_user
    description: The accounts that become owners, admins and members.
  - module: xmpp.stack.prosody_info
    description: How many rooms each MUC component has.
  - ref: "xmpp.stack.prosody role <ansible_collections.xmpp.stack.prosody_role>"
    description: The prosody role, which installs and configures the Prosody server these modules talk to.
extends_documentation_fragment:
  - xmpp.stack.prosody
  - xmpp.stack.prosody.attributes
options:
  room:
    description:
      - The room's bare JID, C(name@conference.example.org), on a host that is a MUC component.
    type: str
    required: true
  state:
    description:
      - Whether the room exists. V(absent) destroys it.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: The room's human-readable name.
    type: str
  description:
    description: The room's description.
    type: str
  persistent:
    description: Whether the room survives when the last occupant leaves.
    type: bool
  public:
    description: Whether the room is listed in the service's room directory.
    type: bool
  members_only:
    description: Whether only members may enter.
    type: bool
  moderated:
    description: Whether only participants with voice may speak.
    type: bool
  password:
    description:
      - The password needed to enter the room; an empty string removes it.
    type: str
  whois:
    description: Who may see occupants' real JIDs.
    type: str
    choices: [moderators, anyone]
  history_length:
    description: How many messages the room replays to newcomers.
    type: int
  members_can_invite:
    description: Whether members may invite others to a members-only room.
    type: bool
  language:
    description: The room's language, as a language tag (V(en), V(de)); empty for none.
    type: str
  owners:
    description: JIDs that must be owners.
    type: list
    elements: str
  admins:
    description: JIDs that must be admins.
    type: list
    elements: str
  members:
    description: JIDs that must be members.
    type: list
    elements: str
  outcasts:
    description: JIDs (or whole domains) that must be banned.
    type: list
    elements: str
  affiliations_mode:
    description:
      - V(append) adds the listed affiliations and leaves the others.
      - V(exact) also removes that affiliation from JIDs not listed, for each of O(owners),
        O(admins), O(members) and O(outcasts) that is given; a list that is not given is not
        touched.
    type: str
    choices: [exact, append]
    default: append
"""

EXAMPLES = r"""
- name: Ensure the team room
  xmpp.stack.prosody_muc_room:
    room: team@conference.example.org
    name: Team
    description: Where the team meets
    persistent: true
    public: false
    members_only: true
    whois: moderators
    history_length: 50
    owners: [alice@example.org]
    members: [bob@example.org, carol@example.org]
    affiliations_mode: exact

- name: Remove an old room
  xmpp.stack.prosody_muc_room:
    room: old@conference.example.org
    state: absent
"""

RETURN = r"""
changes:
  description: What changed (or would change in check mode); the password only by name.
  returned: always
  type: dict
  sample: {"created": false, "destroyed": false, "config": ["description"], "affiliations": {"bob@example.org": "member"}}
  contains:
    created:
      description: Whether the room is (or would be) created.
      returned: always
      type: bool
      sample: false
    destroyed:
      description: Whether the room is (or would be) destroyed.
      returned: always
      type: bool
      sample: false
    config:
      description: The options (as the task names them) whose value changes; the password only by name.
      returned: always
      type: list
      elements: str
      sample: ["description", "password"]
    affiliations:
      description: Each JID whose affiliation changes, with its new affiliation (V(none) when removed).
      returned: always
      type: dict
      sample: {"bob@example.org": "member", "eve@example.org": "none"}
room:
  description: The room's JID as Prosody prepared it.
  returned: always
  type: str
  sample: strasse@conference.example.org
prepared:
  description: Each JID of the task that Prosody prepares to another name, with that name (empty when none).
  returned: always
  type: dict
  sample: {"straße@conference.example.org": "strasse@conference.example.org"}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.xmpp.stack.plugins.module_utils.prosody_shell import common_argument_spec, run_in_session
from ansible_collections.xmpp.stack.plugins.module_utils import prosody_jid, prosody_rooms


def run_module(module, shell):
    wanted = prosody_rooms.wanted_room(module.params)
    prepared = prosody_rooms.prepare_room(shell, wanted)
    for warning in prosody_jid.warnings(prepared):
        module.warn(warning)
    current = prosody_rooms.read_room(shell, wanted)
    plan, before, after = prosody_rooms.plan_room(wanted, current)
    changed = prosody_rooms.has_changes(plan)
    if changed and not module.check_mode:
        prosody_rooms.apply_room(shell, wanted, plan)
    result = {"changed": changed, "changes": prosody_rooms.changes_of(plan), "room": wanted["jid"],
              "prepared": prepared}
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    return result


def main():
    jids = dict(type="list", elements="str")
    module = AnsibleModule(
        argument_spec=common_argument_spec(
            room=dict(type="str", required=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            name=dict(type="str"),
            description=dict(type="str"),
            persistent=dict(type="bool"),
            public=dict(type="bool"),
            members_only=dict(type="bool"),
            moderated=dict(type="bool"),
            password=dict(type="str", no_log=True),
            whois=dict(type="str", choices=["moderators", "anyone"]),
            history_length=dict(type="int"),
            members_can_invite=dict(type="bool"),
            language=dict(type="str"),
            owners=dict(jids),
            admins=dict(jids),
            members=dict(jids),
            outcasts=dict(jids),
            affiliations_mode=dict(type="str", default="append", choices=["exact", "append"]),
        ),
        supports_check_mode=True,
    )
    run_in_session(module, lambda shell: run_module(module, shell))


if __name__ == "__main__":
    main()
