# -*- coding: utf-8 -*-
# Copyright: xmpp.stack developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The prosody role's check of prosody_local_modules, run on the controller where src lives."""

from __future__ import annotations

import os
import re

_NAME_RE = re.compile(r"^[a-z0-9_]+$")


def local_module_problems(entries, shipped, base_dir=None):
    """One message per prosody_local_modules entry that cannot work: a bad name, a src that is not
    a directory holding mod_NAME.lua, or a name that would shadow a module Prosody or Debian ships
    (the local directory is first on Prosody's plugin path) without ``replace_shipped: true``."""
    problems = []
    shipped = set(shipped or [])
    for index, entry in enumerate(entries or []):
        where = "prosody_local_modules[%d]" % index
        if not isinstance(entry, dict):
            problems.append("%s must be a dictionary with name and src, got %r." % (where, entry))
            continue
        name, src = entry.get("name"), entry.get("src")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            problems.append("%s: name %r must be the module's name without mod_ (lowercase letters, digits, _)."
                            % (where, name))
            continue
        if name in shipped and entry.get("replace_shipped") is not True:
            problems.append("%s: a local module %s would replace the %s that Prosody or Debian ships (the local "
                            "directory comes first on the plugin path); rename it, or set replace_shipped: true "
                            "if replacing it is what you want." % (where, name, name))
        if not isinstance(src, str) or not src:
            problems.append("%s (%s): src must be the directory holding mod_%s.lua." % (where, name, name))
            continue
        path = src if os.path.isabs(src) or not base_dir else os.path.join(base_dir, src)
        if not os.path.isdir(path):
            kind = "a file" if os.path.isfile(path) else "missing"
            problems.append("%s (%s): src %s is %s on the controller: give the directory holding mod_%s.lua."
                            % (where, name, path, kind, name))
        elif not os.path.isfile(os.path.join(path, "mod_%s.lua" % name)):
            problems.append("%s (%s): src %s holds no mod_%s.lua: Prosody would find no module %s there."
                            % (where, name, path, name, name))
    return problems


class FilterModule:
    """The prosody role's local module check."""

    def filters(self):
        return {"local_module_problems": local_module_problems}
