"""Check a turnserver.conf before coturn uses it.

coturn has no check mode and skips what it does not understand with a log line, so a typo in a
security option (denied-peer-ip, no-tcp-relay, ...) would silently weaken the relay. This refuses
unknown options, bad ports and addresses, and TLS files coturn could not read.
Values are never printed: the file holds the shared secret.
Usage: python3 coturn_check_config.py FILE
"""
import ipaddress
import os
import re
import subprocess
import sys

PORT_OPTIONS = ("listening-port", "tls-listening-port", "min-port", "max-port")
ADDRESS_OPTIONS = ("listening-ip", "relay-ip")
RANGE_OPTIONS = ("denied-peer-ip", "allowed-peer-ip")
FILE_OPTIONS = ("cert", "pkey")


def known_options():
    """Every long option of this turnserver build, from its own help text."""
    result = subprocess.run(["/usr/bin/turnserver", "-h"], capture_output=True, text=True, check=False)
    return set(re.findall(r"--([a-z0-9][a-z0-9_-]*)", result.stdout + result.stderr))


def read_options(path):
    """(line number, name, value or None) for every option line."""
    with open(path, encoding="utf-8") as config:
        for number, line in enumerate(config, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, equals, value = line.partition("=")
            # A flag (no "=") has no value; quotes around a value are coturn's, not the value's.
            yield number, name.strip(), value.strip().strip('"') if equals else None


def check_value(name, value):
    """An error message for a bad value, or None."""
    try:
        if name in PORT_OPTIONS and not 0 < int(value) < 65536:
            return "is not a port"
        if name in ADDRESS_OPTIONS:
            ipaddress.ip_address(value)
        if name == "external-ip":
            for part in value.split("/"):
                ipaddress.ip_address(part)
        if name in RANGE_OPTIONS:
            first, last = value.split("-", 1) if "-" in value else (value, value)
            first, last = ipaddress.ip_address(first), ipaddress.ip_address(last)
            if first.version != last.version or first > last:
                return "is not a range from a lower to a higher address of one family"
        if name in FILE_OPTIONS and not os.path.isfile(value):
            return "names a missing file"
    except (TypeError, ValueError):
        return "has a malformed value"
    return None


def check(path):
    known = known_options()
    if not known:
        return ["cannot read the options of /usr/bin/turnserver"]
    errors, ports = [], {}
    for number, name, value in read_options(path):
        if name not in known:
            errors.append(f"line {number}: unknown option {name!r}")
            continue
        problem = check_value(name, value)
        if problem:
            errors.append(f"line {number}: {name} {problem}")
        elif name in PORT_OPTIONS:
            ports[name] = int(value)
    if ports.get("min-port", 0) > ports.get("max-port", 65535):
        errors.append("min-port is above max-port")
    return errors


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    errors = check(sys.argv[1])
    for error in errors:
        print(f"{sys.argv[1]}: {error}", file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
