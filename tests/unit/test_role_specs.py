"""Every role's argument spec and its defaults describe the same variables: each default has an
option, each option a default, and a default the spec states is the one defaults/main.yml sets
(templated defaults compared with their whitespace folded, as YAML folding may re-wrap them)."""

import glob
import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES = sorted(os.path.basename(os.path.dirname(path))
               for path in glob.glob(os.path.join(ROOT, "roles", "*", "defaults")))


def load(role, relative):
    with open(os.path.join(ROOT, "roles", role, relative), encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def folded(value):
    return " ".join(value.split()) if isinstance(value, str) else value


@pytest.mark.parametrize("role", ROLES)
def test_spec_and_defaults_name_the_same_variables(role):
    defaults = load(role, "defaults/main.yml")
    options = load(role, "meta/argument_specs.yml")["argument_specs"]["main"]["options"]
    assert sorted(set(defaults) - set(options)) == [], "defaults without an option in the spec"
    assert sorted(set(options) - set(defaults)) == [], "options without a default in defaults/main.yml"


@pytest.mark.parametrize("role", ROLES)
def test_spec_defaults_are_the_role_defaults(role):
    defaults = load(role, "defaults/main.yml")
    options = load(role, "meta/argument_specs.yml")["argument_specs"]["main"]["options"]
    differ = {name: (option["default"], defaults[name]) for name, option in options.items()
              if "default" in option and folded(option["default"]) != folded(defaults[name])}
    assert differ == {}


def test_every_role_is_checked():
    assert set(ROLES) == {"prosody", "postgres", "coturn", "certbot", "prometheus"}
