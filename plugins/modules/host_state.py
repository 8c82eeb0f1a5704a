#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: xmpp.stack developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible module host_state: one read of what a role manages on a host, one line per thing."""

from __future__ import annotations

DOCUMENTATION = r"""
module: host_state
short_description: Read files, directories, links, packages, services and a directory tree in one task
version_added: 0.1.0
description:
  - Reads, in one task, the state of what a role manages on a host and returns it as
    RV(lines), one text line per thing asked, so that a role can compare the host with what
    it would write (owner, group, mode and SHA-1 of each file, installed packages, running
    services) and change only what differs. Changes nothing.
  - This page is the one description of the line formats the roles of this collection compare
    against. Fields are separated by C(|); a path or name is printed as given.
  - "C(file|PATH|OWNER|GROUP|MODE|SHA1): PATH is a regular file once symbolic links are
    followed. OWNER and GROUP are the user and group names of the file (followed links), MODE
    its permission bits in octal without a leading zero, setuid, setgid and sticky bits included
    (V(640), V(2750)), as C(stat -c %a) prints them, and SHA1 the hexadecimal SHA-1 of its
    content (empty when the file cannot be read). C(file|PATH|missing) when PATH is anything
    else: absent, a directory, a dangling link, unreachable."
  - "C(dir|PATH|OWNER|GROUP|MODE) when PATH is a directory once links are followed, else
    C(dir|PATH|missing). OWNER, GROUP and MODE as for files."
  - "C(gone|PATH) only when nothing exists at PATH, not even a dangling symbolic link; nothing
    otherwise."
  - "C(link|PATH|TARGET) only when PATH is a symbolic link, TARGET being its content as
    C(readlink) prints it (not resolved); nothing otherwise."
  - "C(pkg|NAME|STATUS): STATUS is dpkg's abbreviated status (C(${db:Status-Abbrev}): desired
    action, package state, error flag) with its spaces removed, so V(ii) for an installed
    package, V(rc) for a removed one whose configuration files remain. With
    O(package_version=true) the line is C(pkg|NAME|STATUS|VERSION), VERSION being the version
    dpkg has for the package (V(13.0.1-1)). When dpkg knows nothing of NAME the line is
    C(pkg|NAME|) in both forms."
  - "Beside the lines, RV(installed) lists the names of O(packages) whose STATUS is V(ii)
    (installed), as asked and in the order asked, so that a role can tell which of its packages
    are missing without matching C(pkg|) lines."
  - "C(unit|NAME|ACTIVE|ENABLED): systemd's C(ActiveState) (V(active), V(inactive),
    V(failed), ...) and C(UnitFileState) (V(enabled), V(disabled), V(masked), V(static), ...)
    of the unit. A unit systemd does not know is V(inactive) with an empty ENABLED:
    C(unit|NAME|inactive|)."
  - "For each directory of O(trees), one C(tree|RELPATH|TYPE|OWNER|GROUP|MODE) line for every
    entry below it, then one C(sum|RELPATH|SHA1) line for every regular file below it, as
    C(find -mindepth 1 -printf '%P|%y|%u|%g|%m') would list them. RELPATH is relative to the
    directory, TYPE the letter C(find) prints for its type: V(f) (regular file), V(d) (directory),
    V(l) (symbolic link), V(p) (named pipe), V(s) (socket), V(b) or V(c) (block or character
    device). Symbolic links below the directory are reported, not followed (their owner, group
    and mode are the link's own: V(777)). Nothing when the directory does not exist (the directory
    itself may be a link to one)."
  - "An owner or group without a name on the host is printed as its numeric id (for file, dir
    and tree lines alike)."
  - "The lines come in this order: the file lines, the dir lines, the gone lines, the link
    lines, the pkg lines, the unit lines (each in the order of its option), then the tree and
    sum lines of each directory of O(trees) in turn, entries in depth-first order with the
    names of each directory sorted."
author:
  - xmpp.stack developers (@xmpp-stack)
seealso:
  - ref: "xmpp.stack.prosody role <ansible_collections.xmpp.stack.prosody_role>"
    description: Reads its directories, files, shipped modules, packages and services with this module.
  - ref: "xmpp.stack.postgres role <ansible_collections.xmpp.stack.postgres_role>"
    description: Reads its packages, settings files, backup directory and services with this module.
  - ref: "xmpp.stack.coturn role <ansible_collections.xmpp.stack.coturn_role>"
    description: Reads its packages, files, directories and services with this module.
  - ref: "xmpp.stack.prometheus role <ansible_collections.xmpp.stack.prometheus_role>"
    description: Reads its packages, settings and rule files, rule directories and services with this module.
extends_documentation_fragment:
  - xmpp.stack.read_only
requirements:
  - C(dpkg-query) on the host when O(packages) is not empty, C(systemctl) and a running systemd when
    O(units) is not empty.
notes:
  - Paths should be absolute. They are read with the permissions the module runs with (become
    root to read every file); a file that cannot be read has an empty SHA1, a path under a directory
    that cannot be searched counts as missing.
  - All packages are read with one C(dpkg-query -W) command and all units with one
    C(systemctl show) command.
  - The file and sum lines hold the SHA-1 of the files' content. Give the task C(no_log) when one of
    the files holds a secret (a digest of a weak password would let a reader of the log guess it).
  - Several directories of O(trees) give lines that do not say which directory they come from; read
    directories whose relative paths may meet with one task each.
options:
  files:
    description:
      - Paths of files, each reported by a C(file|) line.
    type: list
    elements: str
    default: []
  dirs:
    description:
      - Paths of directories, each reported by a C(dir|) line.
    type: list
    elements: str
    default: []
  gone:
    description:
      - Paths that should not exist; a C(gone|) line for each one that does not.
    type: list
    elements: str
    default: []
  links:
    description:
      - Paths that may be symbolic links; a C(link|) line for each one that is.
    type: list
    elements: str
    default: []
  packages:
    description:
      - Names of Debian packages, each reported by a C(pkg|) line. A name may carry an architecture
        (V(libc6:amd64)). Without one it means the host's own architecture (that of the C(dpkg)
        package) or V(all), as for apt; a package installed only for another architecture reads as
        unknown, C(pkg|NAME|). When dpkg knows the name for both, the installed entry wins.
      - Names, not patterns.
    type: list
    elements: str
    default: []
  package_version:
    description:
      - Add the package's version to each C(pkg|) line (C(pkg|NAME|STATUS|VERSION)).
    type: bool
    default: false
  units:
    description:
      - Names of systemd units, each reported by a C(unit|) line. A name without a unit type suffix is a
        service, as for C(systemctl) (V(prosody) is V(prosody.service)); the line keeps the name as
        given. An alias of a unit reports the unit.
      - Names, not patterns (C(*), C(?) and C([) are refused) and not numbers.
    type: list
    elements: str
    default: []
  trees:
    description:
      - Directories whose whole content is listed by C(tree|) and C(sum|) lines.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Read what the role manages before changing anything
  xmpp.stack.host_state:
    files: [/etc/turnserver.conf]
    dirs: [/etc/coturn/tls]
    packages: [coturn]
    units: [coturn.service]
  register: coturn_state
  # The SHA-1 of turnserver.conf, which holds a secret.
  no_log: true

- name: Install coturn only when it is not installed
  ansible.builtin.apt:
    name: coturn
  when: "'coturn' not in coturn_state.installed"

- name: Read the installed version and the modules shipped below a directory
  xmpp.stack.host_state:
    packages: [prosody]
    package_version: true
    trees: [/usr/local/lib/prosody/modules]
    gone: [/etc/prosody/conf.d/old.cfg.lua]
    links: [/etc/prosody/conf.d/localhost.cfg.lua]
  register: prosody_state
"""

RETURN = r"""
lines:
  description:
    - One line per thing read, in the formats and the order the description gives.
  returned: always
  type: list
  elements: str
  sample:
    - "file|/etc/turnserver.conf|root|turnserver|640|3c1b9e5d2a8f0c6e7d4b1a2f3e5c7d9b0a1f2e3d"
    - "file|/etc/systemd/system/coturn.service.d/xmpp-stack.conf|missing"
    - "dir|/etc/coturn/tls|root|turnserver|750"
    - "dir|/usr/local/lib/xmpp-stack|missing"
    - "gone|/etc/prosody/conf.d/old.cfg.lua"
    - "link|/etc/prosody/conf.d/localhost.cfg.lua|../conf.avail/localhost.cfg.lua"
    - "pkg|coturn|ii"
    - "pkg|not-a-package|"
    - "unit|coturn.service|active|enabled"
    - "unit|not-a-unit|inactive|"
    - "tree|mod_example|d|root|root|755"
    - "tree|mod_example/mod_example.lua|f|root|root|644"
    - "sum|mod_example/mod_example.lua|da39a3ee5e6b4b0d3255bfef95601890afd80709"
installed:
  description:
    - The names of O(packages) that are installed, that is whose C(pkg|) line has the STATUS
      V(ii), each exactly as asked (V(libfoo1:i386) stays so) and in the order of O(packages); a
      name asked twice is listed twice.
    - A name with any other STATUS is not listed (removed, V(rc); held, V(hi); half installed),
      nor one unknown to dpkg, which includes a name without an architecture whose package is
      installed only for another architecture than the host's.
    - An empty list when O(packages) is empty.
  returned: always
  type: list
  elements: str
  sample:
    - coturn
    - lua-sec
"""

import grp
import hashlib
import os
import pwd
import stat

from ansible.module_utils.basic import AnsibleModule

# The unit types systemctl recognises in a name; any other name gets .service appended.
UNIT_SUFFIXES = (".service", ".socket", ".target", ".device", ".mount", ".automount", ".swap",
                 ".timer", ".path", ".slice", ".scope")
# One line per package, tab-separated: dpkg-query prints them in its own (sorted) order.
DPKG_FORMAT = r"${Package}\t${Architecture}\t${db:Status-Abbrev}\t${Version}\n"
UNIT_PROPERTIES = "Id,Names,ActiveState,UnitFileState"
# The STATUS of an installed package (desired: install, state: installed, no error flag).
INSTALLED = "ii"


class ReadError(Exception):
    """A read that failed for another reason than something being absent."""


class Names:
    """User and group names by id (the numeric id when there is none), looked up once each."""

    def __init__(self):
        self.users = {}
        self.groups = {}

    @staticmethod
    def _name(cache, lookup, number):
        """The name the lookup gives the number, or the number itself when it has none."""
        if number not in cache:
            try:
                cache[number] = lookup(number)
            except KeyError:
                cache[number] = str(number)
        return cache[number]

    def user(self, uid):
        return self._name(self.users, lambda n: pwd.getpwuid(n).pw_name, uid)

    def group(self, gid):
        return self._name(self.groups, lambda n: grp.getgrgid(n).gr_name, gid)

    def owner(self, st):
        """OWNER|GROUP|MODE of a stat result, MODE as stat's %a and find's %m print it."""
        return "%s|%s|%o" % (self.user(st.st_uid), self.group(st.st_gid), stat.S_IMODE(st.st_mode))


def sha1_of(path):
    """The hexadecimal SHA-1 of a file's content, empty when it cannot be read (as sha1sum < PATH)."""
    digest = hashlib.sha1()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 16), b""):
                digest.update(block)
    except OSError:
        return ""
    return digest.hexdigest()


def stat_of_kind(path, is_kind):
    """os.stat of PATH (symbolic links followed) when IS_KIND(mode) holds, else None (absent too)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st if is_kind(st.st_mode) else None


def file_line(path, names):
    st = stat_of_kind(path, stat.S_ISREG)
    if st is None:
        return "file|%s|missing" % path
    return "file|%s|%s|%s" % (path, names.owner(st), sha1_of(path))


def dir_line(path, names):
    st = stat_of_kind(path, stat.S_ISDIR)
    return "dir|%s|missing" % path if st is None else "dir|%s|%s" % (path, names.owner(st))


def link_line(path):
    """The link's line, or None when PATH is not a symbolic link."""
    if not os.path.islink(path):
        return None
    try:
        return "link|%s|%s" % (path, os.readlink(path))
    except OSError:
        return None


FIND_TYPES = ((stat.S_ISREG, "f"), (stat.S_ISDIR, "d"), (stat.S_ISLNK, "l"), (stat.S_ISFIFO, "p"),
              (stat.S_ISSOCK, "s"), (stat.S_ISBLK, "b"), (stat.S_ISCHR, "c"))


def find_type(mode):
    return next((letter for test, letter in FIND_TYPES if test(mode)), "U")


def tree_lines(root, names):
    """tree| lines of every entry below ROOT (links not followed), then sum| lines of its files."""
    try:
        if not stat.S_ISDIR(os.stat(root).st_mode):
            return []
    except OSError:
        return []
    entries, sums = [], []

    def walk(directory, prefix):
        try:
            children = sorted(os.listdir(directory))
        except OSError:
            return
        for child in children:
            path = os.path.join(directory, child)
            relative = prefix + child
            try:
                st = os.lstat(path)
            except OSError:
                continue
            entries.append("tree|%s|%s|%s" % (relative, find_type(st.st_mode), names.owner(st)))
            if stat.S_ISDIR(st.st_mode):
                walk(path, relative + "/")
            elif stat.S_ISREG(st.st_mode):
                sums.append("sum|%s|%s" % (relative, sha1_of(path)))

    walk(root, "")
    return entries + sums


def unique(items):
    return list(dict.fromkeys(items))


def package_status(names, with_version, run, dpkg_query):
    """STATUS (or STATUS|VERSION) of each name, '' for the names dpkg knows nothing of, and the
    names whose STATUS is ii (installed), as asked and in the order asked.

    dpkg itself is asked too, in the same command: its architecture is the host's, the one a name
    without ':ARCH' means."""
    rc, out, err = run([dpkg_query, "-W", "-f", DPKG_FORMAT, "--"] + unique(list(names) + ["dpkg"]))
    # 1: some name matched no package, which the lines report; anything else is a failure.
    if rc not in (0, 1):
        raise ReadError("dpkg-query -W failed (rc %s): %s" % (rc, (err or out).strip()))
    rows = []
    for line in out.splitlines():
        fields = line.split("\t")
        if len(fields) != 4:
            raise ReadError("dpkg-query -W printed a line that is not PACKAGE, ARCH, STATUS, VERSION: %r" % line)
        rows.append(fields)
    native = [arch for package, arch, _status, _version in rows if package == "dpkg"][:1]
    known = {}
    for package, arch, status, version in rows:
        value = status + ("|" + version if with_version else "")
        # The second letter of the status is the package's state: i for installed.
        entry = (status[1:2] == "i", value.replace(" ", ""))
        bare = (package,) if not native or arch in (native[0], "all") else ()
        for key in bare + ("%s:%s" % (package, arch),):
            # An installed entry wins over one that is not; otherwise the first in dpkg's order.
            if key not in known or (entry[0] and not known[key][0]):
                known[key] = entry
    found = dict((name, known[name][1] if name in known else "") for name in names)
    installed = [name for name in names if found[name].split("|", 1)[0] == INSTALLED]
    return found, installed


def unit_id(name):
    """The unit systemctl reads for NAME: NAME itself when it has a unit type, else NAME.service."""
    return name if name.endswith(UNIT_SUFFIXES) else name + ".service"


def unit_states(names, run, systemctl):
    """ACTIVE|ENABLED of each unit name, from one systemctl show (blocks in argument order)."""
    for name in names:
        if not name or any(c in name for c in "*?[") or name.isdigit():
            raise ReadError("not a unit name (empty, a pattern or a number): %r" % name)
    asked = unique(names)
    rc, out, err = run([systemctl, "show", "--no-pager", "-p", UNIT_PROPERTIES, "--"] + asked)
    if rc != 0:
        raise ReadError("systemctl show failed (rc %s): %s" % (rc, (err or out).strip()))
    blocks, block = [], {}
    for line in out.splitlines() + [""]:
        if not line.strip():
            if block:
                blocks.append(block)
            block = {}
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ReadError("systemctl show printed a line that is not PROPERTY=VALUE: %r" % line)
        block[key] = value
    if len(blocks) != len(asked):
        raise ReadError("systemctl show answered for %d units, %d were asked: %s"
                        % (len(blocks), len(asked), ", ".join(asked)))
    states = {}
    for name, block in zip(asked, blocks):
        # The block of NAME names it: as its Id, or among its Names when NAME is an alias.
        if unit_id(name) not in [block.get("Id")] + block.get("Names", "").split():
            raise ReadError("systemctl show answered for %s where %s was asked"
                            % (block.get("Id", "a unit without Id"), name))
        states[name] = "%s|%s" % (block.get("ActiveState", ""), block.get("UnitFileState", ""))
    return states


def read_state(params, run, dpkg_query="dpkg-query", systemctl="systemctl"):
    """What the module returns: its lines and the installed packages' names (lines, installed).

    RUN(argv) -> (rc, stdout, stderr) runs dpkg-query and systemctl."""
    names = Names()
    lines = [file_line(path, names) for path in params["files"]]
    lines += [dir_line(path, names) for path in params["dirs"]]
    lines += ["gone|%s" % path for path in params["gone"] if not os.path.lexists(path)]
    lines += [line for line in (link_line(path) for path in params["links"]) if line is not None]
    installed = []
    if params["packages"]:
        status, installed = package_status(params["packages"], params["package_version"], run, dpkg_query)
        lines += ["pkg|%s|%s" % (name, status[name]) for name in params["packages"]]
    if params["units"]:
        states = unit_states(params["units"], run, systemctl)
        lines += ["unit|%s|%s" % (name, states[name]) for name in params["units"]]
    for root in params["trees"]:
        lines += tree_lines(root, names)
    return lines, installed


def main():
    names = dict((key, dict(type="list", elements="str", default=[]))
                 for key in ("files", "dirs", "gone", "links", "packages", "units", "trees"))
    module = AnsibleModule(argument_spec=dict(names, package_version=dict(type="bool", default=False)),
                           supports_check_mode=True)
    params = module.params
    dpkg_query = module.get_bin_path("dpkg-query", required=True) if params["packages"] else None
    systemctl = module.get_bin_path("systemctl", required=True) if params["units"] else None
    try:
        lines, installed = read_state(params, module.run_command, dpkg_query, systemctl)
    except ReadError as error:
        module.fail_json(msg=str(error))
    module.exit_json(changed=False, lines=lines, installed=installed)


if __name__ == "__main__":
    main()
