"""host_state: the lines of a real directory tree (files, directories, modes, links, a dangling link,
missing paths, a setgid directory), and of packages and units read through dpkg-query and
systemctl, whose answers are recorded ones (an unknown package and an unknown unit among them)."""

import grp
import hashlib
import json
import os
import pwd

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.xmpp.stack.plugins.modules import host_state

SECRET = b"a shared secret\n"
TOOL = b"#!/bin/sh\n"
MODULE = b"-- mod_example\nmodule:hook('message', function() end);\n"
NONE = dict(files=[], dirs=[], gone=[], links=[], packages=[], package_version=False, units=[], trees=[])

# dpkg-query -W -f ... -- prosody lua-sec not-a-package exim4-base: one line per package dpkg
# knows, in its own (sorted) order; rc 1 and a notice for the name it does not know.
DPKG_OUT = ("dpkg\tamd64\tii \t1.21.22\n"
            "exim4-base\tamd64\trc \t4.96-15+deb12u7\n"
            "lua-sec\tamd64\tii \t1.3.1-1\n"
            "prosody\tamd64\tii \t13.0.1-1~bpo12+1\n")
DPKG_ERR = "dpkg-query: no packages found matching not-a-package\n"
# systemctl show --no-pager -p Id,Names,ActiveState,UnitFileState -- prosody coturn.service sshd
# not-a-unit: a block per unit in argument order, properties in systemd's order, empty ones shown
# (they were asked for by name); sshd is an alias of ssh.service.
SYSTEMCTL_OUT = """Id=prosody.service
Names=prosody.service
ActiveState=active
UnitFileState=enabled

Id=coturn.service
Names=coturn.service
ActiveState=inactive
UnitFileState=masked

Id=ssh.service
Names=ssh.service sshd.service
ActiveState=active
UnitFileState=enabled

Id=not-a-unit.service
Names=not-a-unit.service
ActiveState=inactive
UnitFileState=
"""


def sha1(data):
    return hashlib.sha1(data).hexdigest()


@pytest.fixture
def host(tmp_path):
    """A small host: paths by role, and the OWNER|GROUP this test's files get."""
    etc = tmp_path / "etc"
    etc.mkdir()
    conf = etc / "turnserver.conf"
    conf.write_bytes(SECRET)
    conf.chmod(0o640)
    tool = etc / "check"
    tool.write_bytes(TOOL)
    tool.chmod(0o4755)
    (etc / "conf-link").symlink_to("turnserver.conf")
    (etc / "dangling").symlink_to("nowhere")
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o2750)
    (tmp_path / "shared-link").symlink_to("shared")
    plain = tmp_path / "plain"
    plain.mkdir()
    plain.chmod(0o755)

    modules = tmp_path / "modules"
    (modules / "mod_example").mkdir(parents=True)
    (modules / "mod_example").chmod(0o755)
    (modules / "mod_example" / "mod_example.lua").write_bytes(MODULE)
    (modules / "mod_example" / "mod_example.lua").chmod(0o644)
    (modules / "mod_empty.lua").write_bytes(b"")
    (modules / "mod_empty.lua").chmod(0o600)
    (modules / "mod-dash.lua").write_bytes(b"x")
    (modules / "mod-dash.lua").chmod(0o644)
    (modules / "latest").symlink_to("mod_example")
    (tmp_path / "modules-link").symlink_to("modules")

    st = os.stat(tmp_path)
    owner = "%s|%s" % (pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name)
    return tmp_path, owner


def read(**params):
    """The module's lines for PARAMS (no packages asked: none installed); any command run fails the test."""
    def run(argv):
        raise AssertionError("no command expected: %r" % argv)
    lines, installed = host_state.read_state(dict(NONE, **params), run)
    assert installed == []
    return lines


def test_files_dirs_gone_and_links_are_the_lines_the_shell_printed(host):
    root, owner = host
    lines = read(
        files=[f"{root}/etc/turnserver.conf", f"{root}/etc/check", f"{root}/etc/conf-link",
               f"{root}/etc/dangling", f"{root}/shared", f"{root}/etc/absent"],
        dirs=[f"{root}/shared", f"{root}/plain", f"{root}/shared-link", f"{root}/etc/turnserver.conf",
              f"{root}/absent", f"{root}/etc/dangling"],
        gone=[f"{root}/absent", f"{root}/etc/dangling", f"{root}/etc/turnserver.conf", f"{root}/no/such/dir"],
        links=[f"{root}/etc/conf-link", f"{root}/etc/dangling", f"{root}/etc/turnserver.conf", f"{root}/absent"],
    )
    assert lines == [
        f"file|{root}/etc/turnserver.conf|{owner}|640|{sha1(SECRET)}",
        f"file|{root}/etc/check|{owner}|4755|{sha1(TOOL)}",
        # A link to a regular file is the file (stat -L); a dangling one and a directory are not.
        f"file|{root}/etc/conf-link|{owner}|640|{sha1(SECRET)}",
        f"file|{root}/etc/dangling|missing",
        f"file|{root}/shared|missing",
        f"file|{root}/etc/absent|missing",
        f"dir|{root}/shared|{owner}|2750",
        f"dir|{root}/plain|{owner}|755",
        f"dir|{root}/shared-link|{owner}|2750",
        f"dir|{root}/etc/turnserver.conf|missing",
        f"dir|{root}/absent|missing",
        f"dir|{root}/etc/dangling|missing",
        # A dangling link is not gone, nor is an existing file.
        f"gone|{root}/absent",
        f"gone|{root}/no/such/dir",
        f"link|{root}/etc/conf-link|turnserver.conf",
        f"link|{root}/etc/dangling|nowhere",
    ]


def test_a_tree_lists_every_entry_then_the_digest_of_every_regular_file(host):
    root, owner = host
    lines = read(trees=[f"{root}/modules", f"{root}/absent", f"{root}/etc/turnserver.conf"])
    # Depth first, names sorted ('-' before '_'); the link below the tree is listed, not followed.
    assert lines == [
        f"tree|latest|l|{owner}|777",
        f"tree|mod-dash.lua|f|{owner}|644",
        f"tree|mod_empty.lua|f|{owner}|600",
        f"tree|mod_example|d|{owner}|755",
        f"tree|mod_example/mod_example.lua|f|{owner}|644",
        f"sum|mod-dash.lua|{sha1(b'x')}",
        "sum|mod_empty.lua|da39a3ee5e6b4b0d3255bfef95601890afd80709",
        f"sum|mod_example/mod_example.lua|{sha1(MODULE)}",
    ]
    # The tree itself may be reached through a link.
    assert read(trees=[f"{root}/modules-link"]) == lines


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to an unnamed user needs root")
def test_an_owner_without_a_name_is_its_number(host):
    root = host[0]
    uid = next(i for i in range(54321, 60000) if not any(u.pw_uid == i for u in pwd.getpwall()))
    gid = next(i for i in range(54321, 60000) if not any(g.gr_gid == i for g in grp.getgrall()))
    for path in (root / "etc" / "turnserver.conf", root / "plain", root / "modules" / "mod-dash.lua"):
        os.chown(path, uid, gid)
    assert read(files=[f"{root}/etc/turnserver.conf"], dirs=[f"{root}/plain"]) == [
        f"file|{root}/etc/turnserver.conf|{uid}|{gid}|640|{sha1(SECRET)}",
        f"dir|{root}/plain|{uid}|{gid}|755",
    ]
    assert f"tree|mod-dash.lua|f|{uid}|{gid}|644" in read(trees=[f"{root}/modules"])


class Commands:
    """Recorded answers of dpkg-query and systemctl, by program; any other command fails."""

    def __init__(self, dpkg=(1, DPKG_OUT, DPKG_ERR), systemctl=(0, SYSTEMCTL_OUT, "")):
        self.answers = {"dpkg-query": dpkg, "systemctl": systemctl}
        self.calls = []

    def run_command(self, args, **kwargs):
        assert isinstance(args, list), "a list argv, never a shell string"
        program = os.path.basename(args[0])
        assert program in self.answers, "only dpkg-query and systemctl run: %r" % args
        self.calls.append(args)
        return self.answers[program]


def run_module(monkeypatch, capsys, commands, check_mode=False, **params):
    """main() as Ansible runs it: (exit code, the result it printed)."""
    # Set on the class, the bound method is called without the module.
    monkeypatch.setattr(AnsibleModule, "run_command", commands.run_command)
    monkeypatch.setattr(AnsibleModule, "get_bin_path",
                        lambda module, name, required=False, opt_dirs=None: "/usr/bin/" + name)
    args = dict(params, _ansible_check_mode=check_mode)
    with patch_module_args(args), pytest.raises(SystemExit) as exited:
        host_state.main()
    return exited.value.code, json.loads(capsys.readouterr().out)


PACKAGES = ["prosody", "lua-sec", "not-a-package", "exim4-base"]
UNITS = ["prosody", "coturn.service", "sshd", "not-a-unit"]


@pytest.mark.parametrize("check_mode", [False, True])
def test_packages_and_units_with_one_command_each(monkeypatch, capsys, check_mode):
    commands = Commands()
    code, result = run_module(monkeypatch, capsys, commands, check_mode=check_mode,
                              packages=PACKAGES, units=UNITS)
    assert code == 0
    assert result["changed"] is False and "failed" not in result
    assert result["lines"] == [
        "pkg|prosody|ii",
        "pkg|lua-sec|ii",
        "pkg|not-a-package|",
        "pkg|exim4-base|rc",
        "unit|prosody|active|enabled",
        "unit|coturn.service|inactive|masked",
        "unit|sshd|active|enabled",
        "unit|not-a-unit|inactive|",
    ]
    # As asked (dpkg-query printed lua-sec first); not-a-package is unknown, exim4-base removed (rc).
    assert result["installed"] == ["prosody", "lua-sec"]
    assert set(result) - {"changed", "lines", "installed", "invocation"} == set()
    assert commands.calls == [
        ["/usr/bin/dpkg-query", "-W", "-f", r"${Package}\t${Architecture}\t${db:Status-Abbrev}\t${Version}\n",
         "--"] + PACKAGES + ["dpkg"],
        ["/usr/bin/systemctl", "show", "--no-pager", "-p", "Id,Names,ActiveState,UnitFileState", "--"] + UNITS,
    ]


def test_package_version_adds_the_version_and_an_unknown_package_stays_empty(monkeypatch, capsys):
    code, result = run_module(monkeypatch, capsys, Commands(), packages=PACKAGES, package_version=True)
    assert code == 0
    assert result["lines"] == [
        "pkg|prosody|ii|13.0.1-1~bpo12+1",
        "pkg|lua-sec|ii|1.3.1-1",
        "pkg|not-a-package|",
        "pkg|exim4-base|rc|4.96-15+deb12u7",
    ]
    assert result["installed"] == ["prosody", "lua-sec"]


def test_nothing_asked_runs_nothing(monkeypatch, capsys):
    commands = Commands()
    code, result = run_module(monkeypatch, capsys, commands)
    assert code == 0 and result["lines"] == [] and commands.calls == []
    assert result["installed"] == []


def test_no_packages_asked_none_installed_beside_units(monkeypatch, capsys):
    commands = Commands()
    code, result = run_module(monkeypatch, capsys, commands, units=UNITS)
    assert code == 0 and result["installed"] == []
    assert [os.path.basename(argv[0]) for argv in commands.calls] == ["systemctl"]


@pytest.mark.parametrize("package_version", [False, True])
def test_installed_is_the_names_whose_status_is_ii(package_version):
    # dpkg's abbreviated statuses: desired action, package state, error flag (a space when none).
    out = ("dpkg\tamd64\tii \t1.22.21\n"
           "held\tamd64\thi \t1.0\n"
           "installed\tamd64\tii \t2.0-1\n"
           "purged\tamd64\tun \t\n"
           "reinst\tamd64\tiiR\t1.0\n"
           "removed\tamd64\trc \t1.0\n"
           "unpacked\tamd64\tiU \t1.0\n")
    asked = ["removed", "installed", "purged", "unpacked", "held", "reinst", "unknown", "installed:amd64"]
    lines, installed = host_state.read_state(dict(NONE, packages=asked, package_version=package_version),
                                             lambda argv: (1, out, ""))
    assert installed == ["installed", "installed:amd64"]
    # The same packages as the lines whose STATUS is ii, in either form of the lines.
    assert installed == [line.split("|")[1] for line in lines if line.split("|")[2] == "ii"]


def test_a_name_asked_twice_is_asked_once_and_reported_twice():
    calls = []
    answers = {"dpkg-query": (0, "dpkg\tamd64\tii \t1.22.21\nprosody\tamd64\tii \t13.0.1-1\n", ""),
               "systemctl": (0, "Id=prosody.service\nNames=prosody.service\nActiveState=active\nUnitFileState=enabled\n", "")}

    def run(argv):
        calls.append(argv)
        return answers[argv[0]]
    lines, installed = host_state.read_state(dict(NONE, packages=["prosody", "prosody"], units=["prosody", "prosody"]), run)
    assert lines == ["pkg|prosody|ii", "pkg|prosody|ii", "unit|prosody|active|enabled", "unit|prosody|active|enabled"]
    assert installed == ["prosody", "prosody"]
    assert [argv[argv.index("--") + 1:] for argv in calls] == [["prosody", "dpkg"], ["prosody"]]


def test_a_bare_name_means_the_host_architecture_as_for_apt():
    out = ("dpkg\tamd64\tii \t1.22.21\n"
           "libfoo1\tamd64\tii \t2.0-1\nlibfoo1\ti386\trc \t1.0-1\n"
           "libbar1\ti386\tii \t3.0-1\n"
           "tzdata\tall\tii \t2025b-4\n")
    lines, installed = host_state.read_state(dict(NONE, packages=["libfoo1", "libbar1", "libfoo1:i386", "libbar1:i386", "tzdata"],
                                                  package_version=True), lambda argv: (0, out, ""))
    # libbar1 is installed for i386 only: for the amd64 host the bare name is not installed (apt would install it).
    assert lines == ["pkg|libfoo1|ii|2.0-1", "pkg|libbar1|", "pkg|libfoo1:i386|rc|1.0-1", "pkg|libbar1:i386|ii|3.0-1",
                     "pkg|tzdata|ii|2025b-4"]
    # Installed for another architecture only counts as not installed; a name with ':ARCH' stays as asked.
    assert installed == ["libfoo1", "libbar1:i386", "tzdata"]


@pytest.mark.parametrize("commands, message", [
    (Commands(dpkg=(2, "", "dpkg-query: error: failed to open package info file '/var/lib/dpkg/status'\n")),
     "dpkg-query -W failed (rc 2): dpkg-query: error: failed to open package info file"),
    (Commands(systemctl=(1, "", "System has not been booted with systemd as init system (PID 1). Can't operate.\n")),
     "systemctl show failed (rc 1): System has not been booted with systemd"),
    # A block missing: the answers could not be matched with the names.
    (Commands(systemctl=(0, SYSTEMCTL_OUT.split("\n\n", 1)[1], "")),
     "systemctl show answered for 3 units, 4 were asked"),
    # The blocks in another order than the names.
    (Commands(systemctl=(0, "\n\n".join(reversed(SYSTEMCTL_OUT.strip().split("\n\n"))) + "\n", "")),
     "systemctl show answered for not-a-unit.service where prosody was asked"),
])
def test_failures_name_what_failed(monkeypatch, capsys, commands, message):
    code, result = run_module(monkeypatch, capsys, commands, packages=PACKAGES, units=UNITS)
    assert code == 1 and result["failed"] is True
    assert result["msg"].startswith(message)
    assert "lines" not in result and "installed" not in result


@pytest.mark.parametrize("name", ["prosody*", "coturn?.service", "[a]", "1234", ""])
def test_unit_patterns_and_numbers_are_refused_before_systemctl_runs(monkeypatch, capsys, name):
    commands = Commands()
    code, result = run_module(monkeypatch, capsys, commands, units=["prosody", name])
    assert code == 1 and "not a unit name" in result["msg"]
    assert commands.calls == []
