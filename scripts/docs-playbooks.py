"""Writes the documentation site's page on the collection's playbooks from their header comments,
the one place a playbook's purpose, variables and command line are written down.
Fails, naming the file, when a playbook has no header.
Usage: python scripts/docs-playbooks.py OUTPUT.rst"""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def header(path):
    lines = []
    for line in path.read_text().splitlines():
        if line.strip() == "---" and not lines:
            continue
        if not line.startswith("#"):
            break
        lines.append(line[1:].removeprefix(" "))
    return lines


def render():
    out = ["Playbooks", "=========", "",
           "The collection's playbooks, run as ``ansible-playbook -i INVENTORY xmpp.stack.NAME``",
           "(or ``playbooks/NAME.yml`` from a checkout). Each section is the playbook's own header.", ""]
    for path in sorted((ROOT / "playbooks").glob("*.yml")):
        text = header(path)
        if not any(line.strip() for line in text):
            sys.exit(f"{path.relative_to(ROOT)} has no header comment saying what it is for")
        title = f"xmpp.stack.{path.stem}"
        out += [title, "-" * len(title), "", ".. code-block:: text", ""]
        out += [f"   {line}".rstrip() for line in text]
        out.append("")
    return "\n".join(out)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    pathlib.Path(sys.argv[1]).write_text(render())


if __name__ == "__main__":
    main()
