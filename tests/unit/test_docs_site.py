"""The documentation site (scripts/docs.sh, `make docs`) builds from this checkout without a Sphinx
warning, and its pages of one module and one role carry every option their sources document."""

import ast
import html.parser
import pathlib
import subprocess

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]


class Anchors(html.parser.HTMLParser):
    """Every id attribute of a page: the option and return-value tables anchor each entry."""

    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        self.ids.update(value for name, value in attrs if name == "id")


def anchors(page):
    parser = Anchors()
    parser.feed(page.read_text())
    return parser.ids


def module_docs(name):
    """DOCUMENTATION and RETURN of a module, read from its source, with the doc fragment's options."""
    tree = ast.parse((ROOT / "plugins" / "modules" / f"{name}.py").read_text())
    docs = {node.targets[0].id: yaml.safe_load(node.value.value) for node in tree.body
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") in ("DOCUMENTATION", "RETURN")}
    fragment = ast.parse((ROOT / "plugins" / "doc_fragments" / "prosody.py").read_text())
    for node in ast.walk(fragment):
        if isinstance(node, ast.Assign) and node.targets[0].id == "DOCUMENTATION":
            docs["DOCUMENTATION"]["options"].update(yaml.safe_load(node.value.value)["options"])
    return docs


def option_paths(options, prefix=""):
    for name, option in options.items():
        yield prefix + name
        yield from option_paths(option.get("suboptions") or option.get("options") or {}, f"{prefix}{name}/")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("docs")
    run = subprocess.run([str(ROOT / "scripts" / "docs.sh"), str(out)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    return out / "html"


def test_module_page_has_every_option_and_return_value(site):
    docs = module_docs("prosody_user")
    ids = anchors(site / "reference" / "prosody_user_module.html")
    options = set(option_paths(docs["DOCUMENTATION"]["options"]))
    assert {"jid", "password", "users/jid", "prosodyctl", "timeout"} <= options
    assert {f"parameter-{path}" for path in options} <= ids
    assert {f"return-{key}" for key in docs["RETURN"]} <= ids


def test_role_page_has_every_option(site):
    spec = yaml.safe_load((ROOT / "roles" / "prosody" / "meta" / "argument_specs.yml").read_text())
    options = set(option_paths(spec["argument_specs"]["main"]["options"]))
    assert "prosody_virtual_hosts" in options
    ids = anchors(site / "reference" / "prosody_role.html")
    assert {f"parameter-main--{path}" for path in options} <= ids


def test_guides_come_from_their_sources(site):
    guide = (site / "admin_guide.html").read_text()
    assert "From zero to a running service" in guide
    playbooks = (site / "playbooks.html").read_text()
    for playbook in (ROOT / "playbooks").glob("*.yml"):
        assert f"xmpp.stack.{playbook.stem}" in playbooks
