"""Stand-in for ansible-test's get-pip bootstrap script, which it downloads from a host this
machine cannot reach (../shared/facts/testbed.md). It installs the same pip with the venv's own
ensurepip, then the packages ansible-test asked for, from the configured package index."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
# ensurepip clears pip's configuration in its own process; a subprocess keeps ours intact.
subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade"], check=True, stdout=subprocess.DEVNULL)
subprocess.run([sys.executable, "-m", "pip", "install", *args], check=True)
