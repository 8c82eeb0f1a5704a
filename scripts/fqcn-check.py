"""Compares the collections the content uses with the dependencies galaxy.yml declares.

Reads every module, role, playbook, filter, test and lookup named by FQCN in roles/, playbooks/ and
plugins/ (task actions, `roles:`, include/import_role, import_playbook, `collections:` keywords,
Jinja in YAML values and templates, Python imports), resolves each name in the controller's
collections (a typo or a plugin that does not exist fails here too), and fails naming every
collection that is used but not declared, or declared but not used. Test-only collections
(molecule/, tests/) are not content and are not read.
Usage: .venv/bin/python scripts/fqcn-check.py [ROOT]   (part of `make lint`)"""
import pathlib
import re
import sys

import yaml

PART = r"[a-z0-9_]+"
FQCN = rf"{PART}\.{PART}\.{PART}"
FQCN_RE = re.compile(rf"^{FQCN}$")
# Jinja contexts only: a bare dotted word in a string is usually a host name, not a plugin.
# Filters and tests can also be named as strings: map('f'), select('t'), selectattr('a', 't').
QUOTED = rf"['\"]({FQCN})['\"]"
JINJA = {
    "filter": re.compile(rf"\|\s*({FQCN})\b|\bmap\(\s*{QUOTED}"),
    "test": re.compile(rf"\bis\s+(?:not\s+)?({FQCN})\b|\b(?:select|reject)\(\s*{QUOTED}"
                       rf"|\b(?:selectattr|rejectattr)\(\s*['\"][^'\"]*['\"]\s*,\s*{QUOTED}"),
    "lookup": re.compile(rf"\b(?:lookup|query|q)\(\s*{QUOTED}"),
}
PY_IMPORT = re.compile(rf"ansible_collections\.({PART})\.({PART})\.")
# Names that belong to ansible-core itself, always present.
CORE = {"ansible.builtin", "ansible.legacy"}
PLAY_TASK_LISTS = ("pre_tasks", "tasks", "post_tasks", "handlers")
BLOCK_LISTS = ("block", "rescue", "always")
# Task keywords that are not actions (ansible.playbook.task.Task's attributes, plus loops and
# the include/import forms that name a file rather than an action).
TASK_KEYWORDS = {
    "action", "any_errors_fatal", "args", "async", "become", "become_exe", "become_flags",
    "become_method", "become_user", "changed_when", "check_mode", "collections", "connection",
    "debugger", "delay", "delegate_facts", "delegate_to", "diff", "environment", "failed_when",
    "ignore_errors", "ignore_unreachable", "local_action", "loop", "loop_control", "module_defaults",
    "name", "no_log", "notify", "poll", "port", "register", "remote_user", "retries", "run_once",
    "tags", "throttle", "timeout", "until", "vars", "when", "listen",
}


class Usage:
    def __init__(self):
        self.found = {}  # (kind, fqcn) -> first "file" it was seen in

    def add(self, kind, name, where):
        if FQCN_RE.match(name):
            self.found.setdefault((kind, name), where)

    def strings(self, value, where):
        if isinstance(value, str):
            for kind, pattern in JINJA.items():
                for match in pattern.finditer(value):
                    self.add(kind, next(g for g in match.groups() if g), where)
        elif isinstance(value, dict):
            for item in value.values():
                self.strings(item, where)
        elif isinstance(value, list):
            for item in value:
                self.strings(item, where)


def role_name(entry):
    return entry if isinstance(entry, str) else (entry or {}).get("role") or (entry or {}).get("name", "")


def tasks(items, usage, where):
    for task in items or []:
        if not isinstance(task, dict):
            continue
        for key in BLOCK_LISTS:
            tasks(task.get(key), usage, where)
        for name in task.get("collections") or []:
            usage.add("collection", f"{name}.x", where)
        actions = [k for k in task if k not in TASK_KEYWORDS and k not in BLOCK_LISTS
                   and not k.startswith("with_")]
        for key in ("action", "local_action"):
            if isinstance(task.get(key), str):
                actions.append(task[key].split()[0])
            elif isinstance(task.get(key), dict):
                actions.append(task[key].get("module", ""))
        for action in actions:
            usage.add("module", action, where)
            if action.split(".")[-1] in ("include_role", "import_role"):
                usage.add("role", (task.get(action) or {}).get("name", ""), where)
        usage.strings(task, where)


def plays(items, usage, where):
    for play in items or []:
        if not isinstance(play, dict):
            continue
        if "import_playbook" in play or "ansible.builtin.import_playbook" in play:
            usage.add("playbook", play.get("import_playbook") or play["ansible.builtin.import_playbook"], where)
            continue
        for name in play.get("collections") or []:
            usage.add("collection", f"{name}.x", where)
        for entry in play.get("roles") or []:
            usage.add("role", role_name(entry), where)
        for key in PLAY_TASK_LISTS:
            tasks(play.get(key), usage, where)
        usage.strings({k: v for k, v in play.items() if k not in PLAY_TASK_LISTS}, where)


def load(path):
    return yaml.safe_load(path.read_text()) or None


def scan(root):
    usage = Usage()
    for path in sorted((root / "roles").glob("*/*/*.yml")) + sorted((root / "roles").glob("*/*/*/*.yml")):
        where = str(path.relative_to(root))
        part = path.relative_to(root / "roles").parts[1]
        data = load(path)
        if part in ("tasks", "handlers"):
            tasks(data, usage, where)
        elif part == "meta" and path.name == "main.yml":
            for entry in (data or {}).get("dependencies") or []:
                usage.add("role", role_name(entry), where)
            for name in (data or {}).get("collections") or []:
                usage.add("collection", f"{name}.x", where)
        elif part in ("defaults", "vars"):
            usage.strings(data, where)
    for path in sorted((root / "playbooks").rglob("*.yml")):
        where = str(path.relative_to(root))
        data = load(path)
        if path.parent.name == "tasks":
            tasks(data, usage, where)
        elif isinstance(data, list):
            plays(data, usage, where)
        else:
            usage.strings(data, where)
    for path in sorted(root.glob("roles/*/templates/**/*.j2")) + sorted(root.glob("playbooks/**/*.j2")):
        usage.strings(path.read_text(), str(path.relative_to(root)))
    for path in sorted((root / "plugins").rglob("*.py")):
        for ns, name in PY_IMPORT.findall(path.read_text()):
            usage.add("collection", f"{ns}.{name}.x", str(path.relative_to(root)))
    return usage


def resolver(root, own):
    """Returns a function telling whether a (kind, fqcn) exists, through ansible-core's own loaders."""
    from ansible.plugins import loader
    from ansible.utils.collection_loader._collection_finder import _get_collection_role_path

    loader.init_plugin_loader()
    loaders = {"module": loader.module_loader, "filter": loader.filter_loader,
               "test": loader.test_loader, "lookup": loader.lookup_loader}

    def exists(kind, name):
        ns, coll, short = name.split(".")
        if f"{ns}.{coll}" == own and kind in ("role", "playbook"):
            return (root / {"role": f"roles/{short}/tasks", "playbook": f"playbooks/{short}.yml"}[kind]).exists()
        if kind == "collection":
            return True  # checked against galaxy.yml below
        if kind == "role":
            return _get_collection_role_path(name) is not None
        if kind == "playbook":
            return False  # only this collection's playbooks are imported
        if kind == "module":
            return loader.module_loader.find_plugin_with_context(name).resolved
        return loaders[kind].get(name) is not None

    return exists


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
    galaxy = load(root / "galaxy.yml")
    own = f"{galaxy['namespace']}.{galaxy['name']}"
    declared = set((galaxy.get("dependencies") or {}).keys())
    usage = scan(root)
    exists = resolver(root, own)
    errors = []
    used = {}
    for (kind, name), where in sorted(usage.found.items()):
        collection = ".".join(name.split(".")[:2])
        if collection in CORE and kind == "collection":
            continue
        if not exists(kind, name):
            errors.append(f"{where}: {kind} {name} does not exist in the controller's collections")
        if collection not in CORE and collection != own:
            used.setdefault(collection, where)
    for collection, where in sorted(used.items()):
        if collection not in declared:
            errors.append(f"{collection} is used ({where}, ...) but galaxy.yml does not declare it in dependencies")
    for collection in sorted(declared - set(used)):
        errors.append(f"{collection} is declared in galaxy.yml dependencies but no content uses it")
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1
    names = sorted({n for k, n in usage.found if not n.startswith(tuple(c + "." for c in CORE | {own}))})
    print(f"fqcn-check: {len(usage.found)} FQCNs used, every one resolves; collections used = declared = "
          f"{', '.join(sorted(used)) or 'none'} ({len(names)} names from them)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
