"""Helpers for the Molecule verifiers: test hosts' addresses, test accounts, the scenario CA.

Test accounts are created through `prosodyctl shell` (Lua on stdin) inside the container, with
passwords generated here: they never appear on a command line or in a log.
"""
import json
import os
import secrets
import subprocess


def container_address(name):
    """The IPv4 address of a test container on its scenario network."""
    out = subprocess.run(["docker", "inspect", name], check=True, capture_output=True, text=True)
    networks = json.loads(out.stdout)[0]["NetworkSettings"]["Networks"]
    return next(net["IPAddress"] for net in networks.values() if net["IPAddress"])


def scenario_ca_file(relative="ca/ca.crt"):
    """The lab CA of the scenario, kept in Molecule's ephemeral directory."""
    return os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], relative)


def prosody_shell(container, lua_lines):
    """Feeds Lua lines to one `prosodyctl shell --quiet` session; returns its output.
    The shell exits 0 whatever happened, so callers must read the answers."""
    out = subprocess.run(["docker", "exec", "-i", container, "prosodyctl", "shell", "--quiet"],
                         input="\n".join(lua_lines) + "\n", capture_output=True, text=True,
                         check=True, timeout=60)
    return out.stdout


def create_accounts(container, domain, usernames):
    """Creates (or resets the password of) each account; returns {username: (jid, password)}."""
    accounts = {name: (f"{name}@{domain}", secrets.token_urlsafe(18)) for name in usernames}
    lines = []
    for jid, password in accounts.values():
        # delete first: user:create fails on an existing account, and reruns must work.
        lines.append(f'user:delete("{jid}")')
        lines.append(f'user:create("{jid}", "{password}")')
    output = prosody_shell(container, lines)
    created = output.count("| OK: Created ")
    if created != len(accounts):
        # Never echo the output: it contains the passwords fed to the shell.
        raise RuntimeError(f"created {created} of {len(accounts)} accounts on {container}")
    return accounts
