"""The prosody role's configuration model as one pure function (plugins/filter/prosody_config.py).

The golden files (test_golden_config.py) hold the whole model equal to what the role rendered
before; these tests state the rules one at a time, on the role's own defaults and tables."""

import os

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.xmpp.stack.plugins.filter import prosody_config as pc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLE = os.path.join(ROOT, "roles", "prosody")


def _load(path):
    with open(os.path.join(ROLE, path)) as handle:
        return yaml.safe_load(handle)


ROLE_VARS = _load("vars/main.yml")
DEFAULTS = _load("defaults/main.yml")
TABLES = {name: ROLE_VARS["__prosody_" + name] for name in pc.TABLES}


class Recording(dict):
    """The role variables, remembering which the model read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)


def variables(**overrides):
    values = {name: DEFAULTS[name] for name in ROLE_VARS["__prosody_model_inputs"]}
    values.update(prosody_virtual_hosts=[{"name": "example.test"}])
    values.update(overrides)
    return values


def model(**overrides):
    return pc.prosody_config(variables(**overrides), TABLES)


def test_the_role_passes_exactly_the_variables_the_model_reads():
    inputs = ROLE_VARS["__prosody_model_inputs"]
    assert len(inputs) == len(set(inputs))
    read = set()
    for overrides in ({}, {"prosody_storage": "sql", "prosody_turn_host": "turn.test",
                           "prosody_authentication": "ldap", "prosody_welcome_message": "hi",
                           "prosody_csi_battery_saver_enabled": True, "prosody_allow_registration": True}):
        recording = Recording(variables(**overrides))
        pc.prosody_config(recording, TABLES)
        read |= recording.read
    assert read == set(inputs)


def test_a_missing_variable_is_named():
    values = variables()
    del values["prosody_c2s_ports"]
    with pytest.raises(AnsibleFilterError, match="prosody_c2s_ports"):
        pc.prosody_config(values, TABLES)


def test_component_names_only_for_the_components_switched_on():
    assert pc.prosody_component_names("example.test") == {
        "muc": "conference.example.test", "upload": "upload.example.test", "proxy65": "proxy.example.test"}
    assert pc.prosody_component_names({"name": "example.test"}, True, False, False) == {
        "muc": "conference.example.test"}
    with pytest.raises(AnsibleFilterError):
        pc.prosody_component_names({"admins": []})


def test_components_of_the_configuration_use_the_same_names():
    got = model(prosody_upload_enabled=False)
    assert [(c["name"], c["type"]) for c in got["config"]["components"]] == [
        ("conference.example.test", "muc"), ("proxy.example.test", "proxy65")]
    # What the certificates and the web client read.
    assert got["component_names"] == {"example.test": {"muc": "conference.example.test",
                                                       "proxy65": "proxy.example.test"}}


def test_modules_get_their_dependencies_two_deep_and_lose_the_disabled_ones():
    enabled = model(prosody_modules_disabled=["bosh"], prosody_extra_modules=["cloud_notify_encrypted"])[
        "modules_enabled"]
    # cloud_notify_encrypted -> cloud_notify -> smacks, csi_simple; bosh asked by "web", disabled.
    assert {"cloud_notify", "smacks", "csi_simple", "http"} <= set(enabled)
    assert "bosh" not in enabled and len(enabled) == len(set(enabled))


def test_mam_brings_its_preferences_cache_with_sql_storage_only_and_a_disabled_mam_brings_nothing():
    postgres = {"prosody_storage": "sql", "prosody_sql_driver": "PostgreSQL", "prosody_sql_password": "x"}
    assert "mam_prefs_cache" in model(**postgres)["modules_enabled"]
    assert "mam_prefs_cache" in model(prosody_storage="sql", prosody_sql_driver="SQLite3")["modules_enabled"]
    assert "mam_prefs_cache" not in model()["modules_enabled"]
    enabled = model(prosody_modules_disabled=["mam"], **postgres)["modules_enabled"]
    # Loaded without mod_mam the cache would have nothing to keep.
    assert "mam" not in enabled and "mam_prefs_cache" not in enabled and "disco" in enabled


def test_a_disabled_module_brings_no_dependencies_even_through_another():
    enabled = pc.enabled_modules(["cloud_notify_encrypted"], TABLES["module_dependencies"], ["cloud_notify"])
    assert enabled == ["cloud_notify_encrypted"]
    assert "csi" not in model(prosody_csi_battery_saver_enabled=True,
                              prosody_modules_disabled=["csi_battery_saver"])["modules_enabled"]


def test_battery_saver_replaces_csi_simple():
    enabled = model(prosody_csi_battery_saver_enabled=True, prosody_push_enabled=False)["modules_enabled"]
    assert "csi_battery_saver" in enabled and "csi" in enabled and "csi_simple" not in enabled


def test_public_urls_reverse_proxy_then_port_443_then_none():
    urls = model(prosody_virtual_hosts=[{"name": "a.test", "http_external_url": "https://chat.test/a"},
                                        {"name": "b.test"}],
                 prosody_port_443=True)["public_url_map"]
    assert urls["a.test"] == {"base": "https://chat.test/a/", "upload_base": "https://chat.test/a/",
                              "http_host": "chat.test", "upload_origin": "https://chat.test"}
    assert urls["b.test"]["base"] == "https://b.test/" and urls["b.test"]["upload_origin"] == "https://upload.b.test"
    plain = model(prosody_https_ports=[8443])["public_url_map"]["example.test"]
    assert plain == {"base": "", "upload_base": "", "http_host": "", "upload_origin": "https://upload.example.test:8443"}


def test_listeners_low_ports_and_port_443():
    got = model(prosody_port_443=True, prosody_proxy65_enabled=False)
    assert {"service": "multiplex_ssl (prosody_port_443)", "port": 443} in got["listener_list"]
    assert got["low_ports"] == [443]
    assert got["config"]["global"]["ssl_ports"] == [443]
    assert "net_multiplex" in got["modules_enabled"]
    assert 5000 not in model(prosody_proxy65_enabled=False)["listen_ports"]


def test_secrets_are_read_by_prosody_from_files_never_written():
    glob = model(prosody_storage="sql", prosody_turn_host="turn.test", prosody_turn_tls_port="0")[
        "config"]["global"]
    assert glob["sql"]["password"] == {"__lua": 'FileLine("/etc/prosody/secrets/sql-password")'}
    assert glob["sql"]["port"] == 5432
    assert glob["turn_external_secret"] == {"__lua": 'FileLine("/etc/prosody/secrets/turn-secret")'}
    assert "turn_external_tls_port" not in glob


def test_metrics_addresses_and_one_network():
    got = model(prosody_metrics_allowed=["127.0.0.1/32", "10.0.0.0/8", "::1/128", "192.168.0.0/16"])
    assert got["config"]["global"]["openmetrics_allow_ips"] == ["127.0.0.1", "::1"]
    assert got["config"]["global"]["openmetrics_allow_cidr"] == "10.0.0.0/8"
    assert got["metrics_cidrs"] == ["10.0.0.0/8", "192.168.0.0/16"]


def test_ldap_used_by_one_virtual_host_configures_ldap_and_restarts():
    got = model(prosody_virtual_hosts=[{"name": "a.test"}, {"name": "b.test", "authentication": "ldap"}])
    assert got["ldap_used"] and "ldap_server" in got["config"]["global"]
    assert got["config"]["virtual_hosts"][1]["options"]["disable_sasl_mechanisms"] == ["DIGEST-MD5", "X-OAUTH2"]
    assert got["restart_settings"]["vhost_authentication"] == ["", "ldap"]


def test_collector_thresholds_only_in_generational_mode_and_only_a_restart_applies_them():
    got = model()
    assert got["config"]["global"]["gc"] == {"mode": "generational", "minor_threshold": 5, "major_threshold": 200}
    changed = model(prosody_gc_major_threshold=100)
    # Prosody sets up its collector at start only: a new threshold must restart it, not reload.
    assert changed["restart_settings"]["gc"] != got["restart_settings"]["gc"]
    incremental = model(prosody_gc_mode="incremental")
    assert incremental["config"]["global"]["gc"] == {"mode": "incremental"}


def test_sqlite_tune_only_with_sqlite_storage_and_only_a_restart_applies_it():
    assert "sqlite_tune" not in model()["config"]["global"]
    assert "sqlite_tune" not in model(prosody_storage="sql", prosody_sql_password="x")["config"]["global"]
    got = model(prosody_storage="sql", prosody_sql_driver="SQLite3")
    assert got["config"]["global"]["sqlite_tune"] == "normal"
    safe = model(prosody_storage="sql", prosody_sql_driver="SQLite3", prosody_sql_sqlite_tune="safe")
    assert safe["config"]["global"]["sqlite_tune"] == "safe"
    # SQLite sets its journal mode when Prosody opens the database, at start.
    assert safe["restart_settings"]["sql"] != got["restart_settings"]["sql"]
    # Hosts on other storage keep their restart settings: the new setting restarts none of them.
    assert "sqlite_tune" not in model(prosody_storage="sql", prosody_sql_password="x")["restart_settings"]["sql"]
    assert model()["restart_settings"]["sql"] == {}


def test_the_model_does_not_change_its_input():
    values = variables(prosody_virtual_hosts=[{"name": "a.test", "admins": ["x@a.test"]}])
    before = yaml.safe_dump(values)
    pc.prosody_config(values, TABLES)
    assert yaml.safe_dump(values) == before


def test_upload_global_quota_beside_the_daily_one_and_none_at_zero():
    def upload(**overrides):
        return next(c["options"] for c in model(**overrides)["config"]["components"]
                    if c["type"] == "http_file_share")
    assert upload()["http_file_share_daily_quota"] == DEFAULTS["prosody_upload_daily_quota"]
    assert upload()["http_file_share_global_quota"] == DEFAULTS["prosody_upload_global_quota"] == 10737418240
    assert upload(prosody_upload_global_quota=1048576)["http_file_share_global_quota"] == 1048576
    assert "http_file_share_global_quota" not in upload(prosody_upload_global_quota=0)


PAGE_MODULES = ["invites_page", "invites_register_web", "register_apps", "http_libjs", "password_policy",
                "invites_reset_web"]


def test_the_invitation_page_is_served_at_invite_with_the_role_apps_and_site_name():
    got = model(prosody_invites_site_name="Family chat",
                prosody_virtual_hosts=[{"name": "a.test", "site_name": "A's chat"}, {"name": "b.test"}])
    assert got["invites_page"] is True
    assert all(name in got["modules_enabled"] for name in PAGE_MODULES)
    glob = got["config"]["global"]
    assert glob["http_paths"] == {"invites_page": "/invite"}
    assert glob["site_name"] == "Family chat"
    vhosts = {vh["name"]: vh["options"] for vh in got["config"]["virtual_hosts"]}
    # The role's own list, in each VirtualHost's section (each host makes its own logo URLs):
    # Debian's logos served by Prosody, no image from another origin.
    assert "site_apps" not in glob
    assert vhosts["a.test"]["site_apps"] == vhosts["b.test"]["site_apps"] == DEFAULTS["prosody_invites_apps"]
    apps = vhosts["a.test"]["site_apps"]
    images = [app["image"] for app in apps] + [button.get("image", "") for app in apps for button in app["download"]["buttons"]]
    assert [image for image in images if "://" in image] == []
    assert vhosts["a.test"]["site_name"] == "A's chat" and "site_name" not in vhosts["b.test"]
    # After a sign-up the form offers the web client, at the host's own HTTPS port.
    assert vhosts["b.test"]["webchat_url"] == "https://b.test:5281/conversejs/"
    assert model(prosody_port_443=True)["config"]["virtual_hosts"][0]["options"]["webchat_url"] == \
        "https://example.test/conversejs/"
    # The modules read these when they load: a change restarts Prosody.
    assert got["restart_settings"]["invites_page"]["vhost_site_names"] == ["A's chat", ""]


@pytest.mark.parametrize("switches", [{"prosody_invites_page_enabled": False}, {"prosody_invites_enabled": False}])
def test_no_invitation_page_without_its_switch_or_without_invitations(switches):
    got = model(**switches)
    assert got["invites_page"] is False
    assert [name for name in PAGE_MODULES if name in got["modules_enabled"]] == []
    assert "http_paths" not in got["config"]["global"]
    assert "webchat_url" not in got["config"]["virtual_hosts"][0]["options"]
    assert "site_apps" not in got["config"]["virtual_hosts"][0]["options"]
    assert got["restart_settings"]["invites_page"] == {}
