# -*- coding: utf-8 -*-
# Copyright: xmpp.stack developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options and attributes shared by every module that talks to a running Prosody."""

from __future__ import annotations


class ModuleDocFragment:
    """Documentation fragments for xmpp.stack's Prosody modules."""

    DOCUMENTATION = r"""
options:
  prosodyctl:
    description:
      - Path or name of the C(prosodyctl) program on the Prosody host.
      - The module opens exactly one C(prosodyctl shell --quiet) session for the whole task and
        sends every command on its standard input, never on a command line.
      - The server must be running with C(mod_admin_shell) enabled.
    type: path
    default: prosodyctl
  timeout:
    description:
      - Seconds to wait for Prosody to answer one batch of commands before failing.
    type: int
    default: 300
requirements:
  - Prosody 13 running on the target host, with C(mod_admin_shell) enabled.
notes:
  - The module runs on the Prosody host itself (become root or the prosody user).
"""

    ATTRIBUTES = r"""
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: debian
"""
