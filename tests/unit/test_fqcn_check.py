"""scripts/fqcn-check.py on small collections written here, resolved against the real collections
of the controller (.venv's `ansible` package), the way `make lint` runs it on this one."""
import pathlib
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "fqcn-check.py"

TASKS = """\
- name: Make the database
  community.postgresql.postgresql_db:
    name: prosody
- name: Pair names and values
  ansible.builtin.set_fact:
    pairs: "{{ names | map('community.general.dict_kv', 'value') | list }}"
- name: A block
  block:
    - name: A key
      community.crypto.openssl_privatekey:
        path: /tmp/key
      when: path is ansible.builtin.abs
"""


def collection(tmp_path, dependencies, tasks=TASKS):
    (tmp_path / "roles" / "db" / "tasks").mkdir(parents=True)
    (tmp_path / "roles" / "db" / "tasks" / "main.yml").write_text(tasks)
    (tmp_path / "playbooks").mkdir()
    # Host names look like FQCNs: they must not count as plugins.
    (tmp_path / "playbooks" / "site.yml").write_text(textwrap.dedent("""\
        - name: Database
          hosts: db1.example.org
          vars:
            peer: "{{ hostvars['xmpp1.example.org'] | default('mon1.example.org') }}"
          roles:
            - role: xmpp.test.db
        """))
    (tmp_path / "plugins").mkdir()
    deps = "".join(f"  {name}: '>=1.0.0'\n" for name in dependencies)
    (tmp_path / "galaxy.yml").write_text(
        f"namespace: xmpp\nname: test\nversion: 1.0.0\ndependencies:\n{deps or '  {}'}\n")
    return tmp_path


def run(root):
    result = subprocess.run([sys.executable, str(SCRIPT), str(root)], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    return result.returncode, result.stdout + result.stderr


def test_declared_equals_used_passes(tmp_path):
    code, out = run(collection(tmp_path, ["community.postgresql", "community.general", "community.crypto"]))
    assert code == 0, out
    assert "collections used = declared = community.crypto, community.general, community.postgresql" in out


@pytest.mark.parametrize("missing", ["community.postgresql", "community.general", "community.crypto"])
def test_an_undeclared_collection_is_named(tmp_path, missing):
    declared = [c for c in ["community.postgresql", "community.general", "community.crypto"] if c != missing]
    code, out = run(collection(tmp_path, declared))
    assert code == 1
    assert f"{missing} is used" in out and "does not declare it" in out
    assert out.count("is used") == 1


def test_a_declared_unused_collection_is_named(tmp_path):
    code, out = run(collection(tmp_path, ["community.postgresql", "community.general", "community.crypto",
                                          "ansible.posix"]))
    assert code == 1
    assert "ansible.posix is declared in galaxy.yml dependencies but no content uses it" in out


def test_a_plugin_that_does_not_exist_is_named(tmp_path):
    tasks = TASKS.replace("community.general.dict_kv", "community.general.dict_kvx")
    code, out = run(collection(tmp_path, ["community.postgresql", "community.general", "community.crypto"], tasks))
    assert code == 1
    assert "filter community.general.dict_kvx does not exist" in out


def test_a_role_of_this_collection_that_does_not_exist_is_named(tmp_path):
    root = collection(tmp_path, ["community.postgresql", "community.general", "community.crypto"])
    (root / "roles" / "db").rename(root / "roles" / "database")
    code, out = run(root)
    assert code == 1
    assert "role xmpp.test.db does not exist" in out
