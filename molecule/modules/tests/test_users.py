"""prosody_user on a real Prosody: accounts from the inventory, real password changes seen by
a real client, check and diff modes, disable and delete, and no password in -vvv output."""

import os
import secrets

from conftest import HOST, PROJECT, module_task, run_playbook, secret
from xmpp_client import can_login

MODULE = "xmpp.stack.prosody_user"
# The inventory's accounts of example.test (Straße@example.test is Prosody's strasse@example.test).
INVENTORY = ["admin@example.test", "alice@example.test", "bob@example.test", "strasse@example.test"]


def user_list(host):
    out = host.run("prosodyctl shell user list example.test")
    assert out.rc == 0, out.stderr
    # Argument mode prints one JID a line, then "OK: Showing all N users".
    return sorted(line.strip() for line in out.stdout.splitlines() if "@" in line and ":" not in line)


def test_converge_made_exactly_the_inventory_accounts(host):
    assert user_list(host) == INVENTORY


def test_accounts_log_in_with_their_inventory_password(address, cafile):
    assert can_login("alice@example.test", secret("alice"), address, cafile)
    assert can_login("admin@example.test", secret("admin"), address, cafile)
    assert not can_login("alice@example.test", secret("admin"), address, cafile)


def test_a_disabled_account_cannot_log_in(address, cafile):
    assert not can_login("bob@example.test", secret("bob"), address, cafile)


def test_roles_are_set(host):
    out = host.run("prosodyctl shell user role admin@example.test")
    assert "prosody:admin" in out.stdout


def test_changing_one_password_is_one_change_and_only_the_new_one_works(address, cafile):
    old, new = secret("alice"), "new-" + secrets.token_urlsafe(12)
    result = module_task(MODULE, {"jid": "alice@example.test", "password": new})
    assert result["changed"] is True
    assert result["changes"] == {"password": ["alice@example.test"]}
    try:
        assert can_login("alice@example.test", new, address, cafile)
        assert not can_login("alice@example.test", old, address, cafile)
        again = module_task(MODULE, {"jid": "alice@example.test", "password": new})
        assert again["changed"] is False
    finally:
        restored = module_task(MODULE, {"jid": "alice@example.test", "password": old})
        assert restored["changed"] is True
    assert can_login("alice@example.test", old, address, cafile)


def test_check_mode_plans_with_a_masked_diff_and_changes_nothing(host, address, cafile):
    new = "chk-" + secrets.token_urlsafe(12)
    args = {"host": "example.test", "users": [
        {"name": "alice", "password": new},
        {"name": "carol", "password": new, "role": "prosody:admin"},
        {"name": "bob", "state": "absent"},
    ]}
    result = module_task(MODULE, args, check=True, diff=True)
    assert result["changed"] is True
    assert result["changes"] == {"password": ["alice@example.test"], "create": ["carol@example.test"],
                                 "delete": ["bob@example.test"]}
    diff = result["diff"]
    assert diff["before"]["carol@example.test"] == {"state": "absent"}
    assert diff["after"]["carol@example.test"]["role"] == "prosody:admin"
    assert diff["after"]["alice@example.test"]["password"] == "changed"
    assert new not in repr(result)
    # Nothing moved: same accounts, the old password still logs in.
    assert user_list(host) == INVENTORY
    assert can_login("alice@example.test", secret("alice"), address, cafile)


def test_enable_disable_and_delete(host, address, cafile):
    pw = secret("bob")
    enabled = module_task(MODULE, {"jid": "bob@example.test", "password": pw, "state": "present"})
    assert enabled["changes"] == {"enable": ["bob@example.test"]}
    assert can_login("bob@example.test", pw, address, cafile)
    disabled = module_task(MODULE, {"jid": "bob@example.test", "state": "disabled"})
    assert disabled["changes"] == {"disable": ["bob@example.test"]}
    assert not can_login("bob@example.test", pw, address, cafile)
    temp = module_task(MODULE, {"jid": "temp@example.test", "password": "t-" + secrets.token_urlsafe(8)})
    assert temp["changes"] == {"create": ["temp@example.test"]}
    gone = module_task(MODULE, {"jid": "temp@example.test", "state": "absent"})
    assert gone["changes"] == {"delete": ["temp@example.test"]}
    assert "temp@example.test" not in user_list(host)


def test_the_users_playbook_removes_accounts_not_in_the_inventory(host):
    stray = module_task(MODULE, {"jid": "stray@example.test", "password": "s-" + secrets.token_urlsafe(8)})
    assert stray["changed"] is True
    code, output, results = run_playbook(path=os.path.join(PROJECT, "playbooks", "users.yml"))
    assert code == 0, output
    # One prosody_user call a domain: only example.test's pruning changed something.
    by_domain = {item["item"]: item for item in results[1]["results"]}
    assert sorted(by_domain) == ["example.test", "other.test"]
    assert by_domain["example.test"]["changes"] == {"delete": ["stray@example.test"]}
    assert by_domain["other.test"]["changed"] is False
    assert user_list(host) == INVENTORY


def test_bad_input_fails_clearly_without_changing_anything(host):
    result = module_task(MODULE, {"jid": "eve@nohost.test", "password": "whatever-1"})
    assert result.get("failed") is True
    assert "unknown host nohost.test" in result["msg"]
    result = module_task(MODULE, {"jid": "e:ve@example.test", "password": "whatever-1"})
    assert "nodeprep refuses the local part 'e:ve'" in result["msg"]
    assert user_list(host) == INVENTORY


def test_no_password_in_vvv_output():
    """Run the inventory playbook and a password change with -vvv: no password may appear.

    (A loop over passwords would print them as the loop item whatever the module does: the
    module takes many accounts in its users option so that no loop is needed.)"""
    new = "vvv-" + secrets.token_urlsafe(12)
    code, output = run_playbook(path=os.path.join(PROJECT, "playbooks", "users.yml"),
                                args=["-vvv"], json_output=False)[:2]
    assert code == 0, output
    play = """
- hosts: %s
  gather_facts: false
  become: true
  vars:
    wanted: "%s"
    original: "%s"
  tasks:
    - name: change a password
      xmpp.stack.prosody_user:
        jid: alice@example.test
        password: "{{ wanted }}"
    - name: restore it
      xmpp.stack.prosody_user:
        users:
          - jid: alice@example.test
            password: "{{ original }}"
""" % (HOST, new, secret("alice"))
    code2, output2 = run_playbook(play, args=["-vvv", "--diff"], json_output=False)[:2]
    assert code2 == 0, output2
    assert "changed=2" in output2
    for text in (output, output2):
        assert len(text) > 1000
        for name in ("admin", "alice", "bob", "strasse", "carol", "dave"):
            assert secret(name) not in text
        assert new not in text
