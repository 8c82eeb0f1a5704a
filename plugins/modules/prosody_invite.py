#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: xmpp.stack developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module prosody_invite: invitations to create an account, become a contact or reset a password."""

from __future__ import annotations

DOCUMENTATION = r"""
module: prosody_invite
short_description: Create, list and revoke Prosody invitations (accounts, contacts, password resets)
version_added: 0.1.0
description:
  - "Creates invitations on a VirtualHost of a running Prosody 13 with C(mod_invites) (the prosody
    role's C(prosody_invites_enabled)): an invitation to create an account (for one named account,
    or any name on the host), to create an account and become a contact of an existing account,
    or to set a new password for an existing account. Lists the host's invitations and revokes
    them by token, or revokes every expired one."
  - Invitations are made by the host's own C(mod_invites), exactly as C(prosodyctl shell invite)
    makes them, in one admin-shell session per task. Each created invitation is returned with its
    C(xmpp:) URI (XEP-0401 pre-authenticated) and, when the host serves a landing page, its web link
    (for a password reset, the page that sets the new password).
  - "Creating is not idempotent, by design: each run of O(action=create) makes new invitations and
    reports C(changed). An invitation is a single-use secret handed to one person; handing the same
    pending token to a second person would let whichever of them comes first take the account, and
    a reset link reused across runs would outlive the run that made it. Make invitations from a
    playbook run by hand (the collection's C(invite.yml)), not from the one that converges the site."
  - In check mode nothing is created or revoked; RV(planned) says what would be created and
    RV(revoked) what would be revoked.
author:
  - xmpp.stack developers (@xmpp-stack)
seealso:
  - module: xmpp.stack.prosody_user
    description: Accounts made directly, with a password the admin chooses.
  - module: xmpp.stack.prosody_info
    description: Which VirtualHosts exist and which modules they load.
  - ref: "xmpp.stack.prosody role <ansible_collections.xmpp.stack.prosody_role>"
    description: The prosody role, which turns invitations on for every VirtualHost.
extends_documentation_fragment:
  - xmpp.stack.prosody
  - xmpp.stack.prosody.attributes
notes:
  - The returned tokens, URIs and links are secrets until used. Run the task with C(no_log=true) and
    hand the links out from the registered result (the collection's C(invite.yml) writes them
    to a file only the admin can read, never to the output or the logs).
  - "Names are those Prosody uses: the JID or host is prepared by the running Prosody (nodeprep,
    nameprep) and the invitation is made for the prepared name; a warning names each name that
    differs from what the task wrote (C(Straße@example.org) invites C(strasse@example.org))."
  - Prosody removes an account or reset invitation when it is used; contact invitations of an
    account that never registers stay until they expire or are revoked.
options:
  action:
    description:
      - V(create) makes O(count) invitations of O(type); V(list) returns the host's invitations
        (pending and expired); V(revoke) deletes the invitations named in O(tokens);
        V(revoke_expired) deletes every expired invitation of the host.
    type: str
    choices: [create, list, revoke, revoke_expired]
    default: create
  type:
    description:
      - With O(action=create), what the invitation lets its holder do.
      - V(account) creates an account, named O(jid) or any free name on O(host).
      - V(contact) creates an account (with O(allow_registration=true)) that becomes a mutual
        contact of O(jid), an existing account.
      - V(reset) sets a new password for O(jid), an existing account, in the browser (RV(invitations[].landing_page))
        or in an XMPP app that supports it (RV(invitations[].uri)). Prosody removes the invitation when it is used.
    type: str
    choices: [account, contact, reset]
    default: account
  jid:
    description:
      - The account an invitation is for (V(account)), whose contact the new account becomes
        (V(contact)) or whose password is reset (V(reset)). Its domain is the VirtualHost.
      - Mutually exclusive with O(host).
    type: str
  host:
    description:
      - The VirtualHost, for an V(account) invitation that lets the holder choose any free name,
        and for O(action=list), O(action=revoke) and O(action=revoke_expired).
    type: str
  role:
    description:
      - The primary role the new account gets, for example V(prosody:member) or V(prosody:admin).
        It must be a role of the host. When omitted, the host's default role for registrations.
    type: str
  expires_after:
    description:
      - How long the invitation stays valid, in seconds or as a number with V(s), V(m), V(h), V(d)
        or V(w), for example V(7d).
      - When omitted, Prosody's C(invite_expiry) (one week) for account and contact invitations,
        one day for resets.
    type: str
  count:
    description:
      - How many invitations to create (1 to 100), each with its own token. Only 1 for an
        invitation to one named account.
    type: int
    default: 1
  allow_registration:
    description:
      - For V(contact) invitations, whether the holder may create an account with it. V(false)
        makes a contact-only invitation for someone who has an account already.
      - When omitted, V(true).
    type: bool
  tokens:
    description:
      - The tokens of the invitations to revoke (RV(invitations[].token) of an earlier run).
        Tokens that are not (or no longer) invitations of the host are left alone.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Invite someone to create an account on example.org (any free name), valid for 3 days
  xmpp.stack.prosody_invite:
    host: example.org
    expires_after: 3d
  register: invitation
  no_log: true

- name: Invite alice@example.org as an administrator
  xmpp.stack.prosody_invite:
    jid: alice@example.org
    role: prosody:admin
  register: invitation
  no_log: true

- name: Let a new person sign up and become a contact of bob
  xmpp.stack.prosody_invite:
    type: contact
    jid: bob@example.org
  register: invitation
  no_log: true

- name: Give carol a link to set a new password
  xmpp.stack.prosody_invite:
    type: reset
    jid: carol@example.org
    expires_after: 1h
  register: reset
  no_log: true

- name: Remove every expired invitation of example.org
  xmpp.stack.prosody_invite:
    action: revoke_expired
    host: example.org
"""

RETURN = r"""
host:
  description: The VirtualHost, as Prosody prepared it.
  returned: always
  type: str
  sample: example.org
invitations:
  description:
    - The invitations created (O(action=create)) or found (O(action=list)), oldest expiry first
      for a list. They are secrets, see the notes.
  returned: always
  type: list
  elements: dict
  contains:
    type:
      description: V(account), V(contact) or V(reset).
      type: str
      returned: always
      sample: account
    jid:
      description: The account (or host, for an invitation that lets the holder choose a name) it is for.
      type: str
      returned: always
      sample: example.org
    role:
      description: The role the new account gets, when the invitation names one.
      type: str
      returned: when the invitation names a role
      sample: prosody:member
    token:
      description: The invitation's token (what O(tokens) takes to revoke it).
      type: str
      returned: always
      sample: 4Tk3X0yX9NfHkPq2
    uri:
      description: The XEP-0401 C(xmpp:) URI a client opens to redeem the invitation.
      type: str
      returned: always
      sample: "xmpp:example.org?register;preauth=4Tk3X0yX9NfHkPq2"
    landing_page:
      description:
        - The web link of the invitation, when the host serves a landing page (the prosody role's
          C(prosody_invites_page_enabled)), else C(null).
        - For an account or contact invitation, the landing page (C(<base>invite?<token>)) with the
          apps for the person's platform and the registration form.
        - For a password reset (O(type=reset)), the reset page (C(<base>reset?t=<token>), the prosody
          role's C(mod_invites_reset_web)), where the account's owner sets a new password; C(null) on a
          host without that page, where the C(xmpp:) URI is the only link.
      type: str
      returned: always
      sample: "https://example.org:5281/invite?4Tk3X0yX9NfHkPq2"
    created:
      description: When it was made (UTC).
      type: str
      returned: always
      sample: "2026-11-30T10:00:00Z"
    expires:
      description: When it stops being valid (UTC).
      type: str
      returned: always
      sample: "2026-12-07T10:00:00Z"
    expired:
      description: Whether it has expired (O(action=list) only).
      type: bool
      returned: with O(action=list)
      sample: false
planned:
  description: What O(action=create) creates (or would create in check mode), without tokens.
  returned: with O(action=create)
  type: dict
  sample: {"type": "account", "jid": "example.org", "count": 2, "expires_after": 259200}
revoked:
  description: The invitations revoked (or that would be in check mode), without their tokens.
  returned: with O(action=revoke) or O(action=revoke_expired)
  type: list
  elements: dict
  sample: [{"type": "account", "jid": "example.org", "expires": "2026-11-29T10:00:00Z", "expired": true}]
prepared:
  description: The JID or host of the task, when Prosody prepares it to another name, with that name.
  returned: always
  type: dict
  sample: {"Straße@example.org": "strasse@example.org"}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.xmpp.stack.plugins.module_utils.prosody_lines import ProsodyError
from ansible_collections.xmpp.stack.plugins.module_utils.prosody_shell import common_argument_spec, run_in_session
from ansible_collections.xmpp.stack.plugins.module_utils import prosody_invites, prosody_jid


def run_module(module, shell):
    """Check, prepare the name, plan and (outside check mode) apply; returns the result dict."""
    wanted = prosody_invites.wanted_invites(module.params)
    prepared = prosody_invites.prepare(shell, wanted)
    for warning in prosody_jid.warnings(prepared):
        module.warn(warning)
    prosody_invites.check_host(shell, wanted)
    result = prosody_invites.run(shell, wanted, module.check_mode)
    diff = result.pop("diff")
    if module._diff:
        result["diff"] = diff
    result["prepared"] = prepared
    return result


def main():
    module = AnsibleModule(
        argument_spec=common_argument_spec(
            action=dict(type="str", default="create", choices=list(prosody_invites.ACTIONS)),
            type=dict(type="str", default="account", choices=list(prosody_invites.TYPES)),
            jid=dict(type="str"),
            host=dict(type="str"),
            role=dict(type="str"),
            expires_after=dict(type="str"),
            count=dict(type="int", default=1),
            allow_registration=dict(type="bool"),
            tokens=dict(type="list", elements="str", no_log=True),
        ),
        mutually_exclusive=[["jid", "host"]],
        supports_check_mode=True,
    )
    try:
        prosody_invites.wanted_invites(module.params)
    except ProsodyError as exc:
        module.fail_json(msg=str(exc))
    run_in_session(module, lambda shell: run_module(module, shell))


if __name__ == "__main__":
    main()
