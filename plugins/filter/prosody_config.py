# -*- coding: utf-8 -*-
# Copyright: xmpp.stack developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The prosody role's configuration model, computed from the role's variables in one place.

:func:`prosody_config` is pure: the role's variables and its constant tables (vars/main.yml) in,
everything the role derives from them out (the sections of prosody.cfg.lua, the listeners, the
public URLs, the modules, the settings only a restart applies). ``prosody_component_names`` is
the one place the names of a VirtualHost's components are made; ``to_lua`` writes a value as
prosody.cfg.lua does.
"""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.xmpp.stack.plugins.module_utils import lua

# The constant tables of vars/main.yml the model reads, by their name there without "__prosody_".
TABLES = ("module_groups", "module_dependencies", "muc_modules", "core_modules", "debian_modules",
          "bundled_modules", "bundled_modules_dir", "disabled_sasl", "secrets_dir", "conversejs_dir",
          "sql_ca_file")

# Prosody's own default (net/http/server: trusted_proxies), left unwritten.
_DEFAULT_TRUSTED_PROXIES = ["127.0.0.1", "::1"]
# Content-Security-Policy of the web client's page: its own origin (which serves websocket and
# BOSH too), the upload component for shared files, and the CDN when one is used. Styles allow
# 'unsafe-inline' (Converse sets style attributes); scripts 'wasm-unsafe-eval' only (OMEMO's
# WebAssembly), never inline or eval.
_CSP = ("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'{cdn}; style-src 'self' 'unsafe-inline'{cdn}; "
        "img-src 'self' data: blob:{upload}{cdn}; media-src 'self' blob:{upload}{cdn}; "
        "font-src 'self' data:{cdn}; connect-src 'self'{upload}{cdn}; worker-src 'self' blob:; "
        "manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def _int(value):
    """Jinja's int filter: the number, else 0 (bad values are the preflight's to report)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return 0


def _unique(items):
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _file_line(secrets_dir, name):
    return {lua.RAW_KEY: 'FileLine("%s/%s")' % (secrets_dir, name)}


def prosody_component_names(virtual_host, muc=True, upload=True, proxy65=True):
    """The components the role gives a VirtualHost: {'muc': 'conference.HOST', 'upload':
    'upload.HOST', 'proxy65': 'proxy.HOST'}, each only when switched on."""
    name = virtual_host.get("name") if isinstance(virtual_host, dict) else virtual_host
    if not isinstance(name, str) or not name:
        raise AnsibleFilterError("prosody_component_names needs a VirtualHost name, got %r" % (name,))
    names = {}
    if muc:
        names["muc"] = "conference." + name
    if upload:
        names["upload"] = "upload." + name
    if proxy65:
        names["proxy65"] = "proxy." + name
    return names


def _components_of(v, name):
    return prosody_component_names(name, v["prosody_muc_enabled"], v["prosody_upload_enabled"],
                                   v["prosody_proxy65_enabled"])


def listeners(v):
    """Every TCP port Prosody binds, with the service that claims it. s2s and proxy65 keep
    Prosody's defaults; with prosody_port_443, 443 is net_multiplex's (Prosody's ssl_ports),
    which hands each connection to c2s or https by ALPN."""
    services = [("c2s", v["prosody_c2s_ports"]), ("c2s_direct_tls", v["prosody_c2s_direct_tls_ports"]),
                ("http", v["prosody_http_ports"]), ("https", v["prosody_https_ports"]), ("s2s", [5269]),
                ("proxy65", [5000] if v["prosody_proxy65_enabled"] else []),
                ("multiplex_ssl (prosody_port_443)", [443] if v["prosody_port_443"] else [])]
    return [{"service": service, "port": port} for service, ports in services for port in ports]


def public_urls(v):
    """Public base URL of each VirtualHost's HTTP services and of its upload component: the
    reverse proxy's (the VirtualHost's http_external_url, else prosody_http_external_url), else
    https://<host>/ with prosody_port_443, else none (Prosody derives https://<host>:<port>/).
    upload_origin is what the web client's security policy allows for shared files."""
    https = v["prosody_https_ports"]
    first = https[0] if https else None
    origin_port = "" if _int(443 if first is None else first) == 443 else ":%s" % first
    out = {}
    for vh in v["prosody_virtual_hosts"]:
        name = vh.get("name", "")
        ext = vh.get("http_external_url") or v["prosody_http_external_url"] or ""
        if ext and not ext.endswith("/"):
            ext += "/"
        upload = "upload." + name
        if ext:
            entry = {"base": ext, "upload_base": ext,
                     "http_host": re.sub(r"^https?://([^/:]+).*$", r"\1", ext),
                     "upload_origin": re.sub(r"^(https?://[^/]+).*$", r"\1", ext)}
        elif v["prosody_port_443"]:
            entry = {"base": "https://%s/" % name, "upload_base": "https://%s/" % upload,
                     "http_host": "", "upload_origin": "https://" + upload}
        else:
            entry = {"base": "", "upload_base": "", "http_host": "",
                     "upload_origin": "https://" + upload + origin_port}
        out[name] = entry
    return out


def _public_url_options(urls):
    """The options that put a host's URLs (and the Host header it answers) on its public base
    URL. Behind the proxy both answer the public host name; their paths (/conversejs,
    /http-bind, /xmpp-websocket, /.well-known, /file_share) do not overlap."""
    out = {}
    for name, entry in urls.items():
        vh_opts, up_opts = {}, {}
        if entry["base"]:
            vh_opts["http_external_url"] = entry["base"]
        if entry["upload_base"]:
            up_opts["http_external_url"] = entry["upload_base"]
        if entry["http_host"]:
            if entry["http_host"] != name:
                vh_opts["http_host"] = entry["http_host"]
            up_opts["http_host"] = entry["http_host"]
        out[name] = {"vhost": vh_opts, "upload": up_opts}
    return out


def requested_modules(v, t):
    """The host modules the switches ask for, before dependencies and prosody_modules_disabled."""
    groups = t["module_groups"]
    switches = [
        ("mobile", v["prosody_mobile_enabled"]), (None, None),
        ("sasl2", v["prosody_sasl2_enabled"]), ("push", v["prosody_push_enabled"]),
        ("web", v["prosody_web_enabled"]), ("security", v["prosody_security_enabled"]),
        ("monitoring", v["prosody_monitoring_enabled"]), ("invites", v["prosody_invites_enabled"]),
        ("invites_page", invites_page_on(v)),
        ("ibr", v["prosody_allow_registration"]),
        ("watchregistrations", v["prosody_watchregistrations_enabled"]),
        ("welcome", bool(v["prosody_welcome_message"])), ("turn", bool(v["prosody_turn_host"])),
    ]
    out = list(groups["base"])
    for group, enabled in switches:
        if group is None:
            if v["prosody_csi_battery_saver_enabled"]:
                out += groups["csi_battery_saver"]
            elif v["prosody_mobile_enabled"]:
                out += groups["csi_simple"]
        elif enabled:
            out += groups[group]
    if v["prosody_conversejs_enabled"]:
        out.append("conversejs_files")
    if v["prosody_port_443"]:
        out.append("net_multiplex")
    return out + _abuse_modules(v) + list(v["prosody_extra_modules"])


def _abuse_modules(v):
    """Debian's mod_log_auth writes the lines fail2ban reads; mod_anti_spam subscribes to the
    block lists (only with spam reporting, the security group, on)."""
    out = ["log_auth"] if v["prosody_fail2ban_enabled"] else []
    if v["prosody_security_enabled"] and v["prosody_antispam_services"]:
        out.append("anti_spam")
    return out


def xmpp_addresses(uris):
    """The JIDs of the xmpp: URIs in a XEP-0157 address list (mailto:, https: and queries left
    out), as mod_report_forward accepts them."""
    return [m.group(1) for m in (re.match(r"^xmpp:([^?#]+)$", str(uri)) for uri in uris) if m]


def _abuse_options(v):
    """Spam reports: where they are forwarded (the abuse contact's XMPP addresses first);
    registration throttle with open registration."""
    options = {}
    if v["prosody_security_enabled"]:
        options["report_forward_to"] = _unique(
            xmpp_addresses(v["prosody_contact_info"].get("abuse", [])) + list(v["prosody_spam_report_forward_to"]))
        options["report_forward_to_origin"] = v["prosody_spam_report_to_origin"]
        if v["prosody_antispam_services"]:
            options["anti_spam_services"] = v["prosody_antispam_services"]
    if v["prosody_allow_registration"]:
        options["registration_throttle_max"] = _int(v["prosody_registration_throttle_max"])
        options["registration_throttle_period"] = _int(v["prosody_registration_throttle_period"])
    return options


def fail2ban_ports(v, urls):
    """The ports a fail2ban ban closes: every port a client logs in on (c2s, direct TLS, HTTP(S)
    for BOSH and websocket, 443 with prosody_port_443) and the reverse proxy's port of a public
    URL. s2s and proxy65 stay open."""
    ports = [_int(item["port"]) for item in listeners(v) if item["service"] not in ("s2s", "proxy65")]
    for entry in urls.values():
        match = re.match(r"^(https?)://[^/:]+(?::(\d+))?", entry["base"])
        if match:
            ports.append(_int(match.group(2)) if match.group(2) else (443 if match.group(1) == "https" else 80))
    return sorted(set(ports))


def invites_page_on(v):
    """The invitation landing page is served (it needs the invitations themselves)."""
    return bool(v["prosody_invites_enabled"] and v["prosody_invites_page_enabled"])


def own_https_base(v, name):
    """https://<name>[:<first HTTPS port>]/: where Prosody serves a VirtualHost's HTTP paths
    when no public URL is set (what module:http_url() derives)."""
    https = v["prosody_https_ports"]
    port = _int(https[0]) if https else 443
    return "https://%s%s/" % (name, "" if port == 443 else ":%d" % port)


def module_dependencies(v, t):
    """The role's dependency table, and mam_prefs_cache with mam when the storage is SQL.
    mod_mam reads the archive preferences before every archived copy: five round trips on
    PostgreSQL, a read transaction on SQLite3, where it was 7 % of Prosody's CPU at 10,000 sessions
    (issue 20; the role README's "Bigger servers"). Internal storage keeps the module out: its
    files were not measured."""
    deps = dict(t["module_dependencies"])
    if v["prosody_storage"] == "sql":
        deps["mam"] = list(deps.get("mam", [])) + ["mam_prefs_cache"]
    return deps


def enabled_modules(requested, dependencies, disabled):
    """requested with their dependencies (two passes: the table is at most two deep), in order,
    without the disabled ones. A disabled module brings none of its dependencies, not even through
    a module that depends on it (cloud_notify_encrypted with cloud_notify disabled brings no smacks)."""
    names = list(requested)
    for _pass in range(2):
        names = _unique(names + [dep for key, deps in dependencies.items()
                                 if key in names and key not in disabled for dep in deps])
    return [name for name in names if name not in disabled]


def _vhost_lists(v, key):
    return [item for vh in v["prosody_virtual_hosts"] for item in vh.get(key, [])]


def prosody_sql_database(database, ssl_mode="prefer", ca_file=""):
    """The ``database`` value Prosody hands LuaDBI for PostgreSQL: the name alone, or, when TLS
    settings go with it, a libpq connection string. Prosody passes only driver, database, user,
    password, host and port to LuaDBI, which calls PQsetdbLogin(); libpq reads a database name
    that contains '=' as a connection string (sslmode, sslrootcert)."""
    if ssl_mode in ("", "prefer") and not ca_file:
        return database
    pairs = [("dbname", database), ("sslmode", ssl_mode or "prefer")]
    if ca_file:
        pairs.append(("sslrootcert", ca_file))
    return " ".join("%s='%s'" % (key, str(value).replace("\\", "\\\\").replace("'", "\\'"))
                    for key, value in pairs)


def _sql(v, t):
    sql = {"driver": v["prosody_sql_driver"], "database": v["prosody_sql_database"]}
    if v["prosody_sql_driver"] == "PostgreSQL":
        sql["database"] = prosody_sql_database(
            v["prosody_sql_database"], v["prosody_sql_ssl_mode"],
            t["sql_ca_file"] if v["prosody_sql_ssl_ca_file"] else "")
        sql.update({"host": v["prosody_sql_host"], "port": _int(v["prosody_sql_port"]),
                    "username": v["prosody_sql_username"],
                    "password": _file_line(t["secrets_dir"], "sql-password")})
    return sql


def _sqlite_tune(v):
    """Prosody's sqlite_tune: only meaningful when the sql storage is SQLite3."""
    tune = v["prosody_sql_sqlite_tune"]
    if v["prosody_storage"] == "sql" and v["prosody_sql_driver"] == "SQLite3":
        return {"sqlite_tune": tune}
    return {}


def _gc(v):
    """Prosody's gc option: the thresholds only mean something in generational mode."""
    if v["prosody_gc_mode"] != "generational":
        return {"mode": v["prosody_gc_mode"]}
    return {"mode": "generational", "minor_threshold": _int(v["prosody_gc_minor_threshold"]),
            "major_threshold": _int(v["prosody_gc_major_threshold"])}


def _global_options(v, t, modules, plugin_paths, ldap_used, metrics_ips, metrics_cidrs, conversejs):
    cors = {"enabled": True, "origins": v["prosody_cors_origins"] or "*"}
    options = {
        "pidfile": "/run/prosody/prosody.pid",
        "log": {lua.RAW_KEY: '{ %s = "*stdout" }' % v["prosody_log_level"]},
        "network_backend": v["prosody_network_backend"],
        "gc": _gc(v),
        "network_settings": {"tcp_backlog": _int(v["prosody_tcp_backlog"])},
        "plugin_paths": plugin_paths,
        "admins": v["prosody_admins"],
        "modules_enabled": modules,
        "modules_disabled": v["prosody_modules_disabled"],
        "certificates": v["prosody_certs_dir"],
        "ssl": {"protocol": v["prosody_tls_protocol"], "ciphers": v["prosody_tls_ciphers"],
                "curveslist": v["prosody_tls_curves"].split(":"),
                "options": ["cipher_server_preference", "no_compression"]},
        "c2s_require_encryption": v["prosody_c2s_require_encryption"],
        "s2s_require_encryption": v["prosody_s2s_require_encryption"],
        "s2s_secure_auth": v["prosody_s2s_secure_auth"],
        "allow_unencrypted_plain_auth": False,
        "authentication": "ldap" if v["prosody_authentication"] == "ldap" else "internal_hashed",
        "password_hash": v["prosody_password_hash"],
        "default_iteration_count": _int(v["prosody_default_iteration_count"]),
        "disable_sasl_mechanisms": t["disabled_sasl"][v["prosody_authentication"]],
        "allow_registration": v["prosody_allow_registration"],
        "registration_invite_only": not v["prosody_allow_registration"],
        "storage": v["prosody_storage"],
        "archive_expires_after": v["prosody_archive_expires_after"],
        "muc_log_expires_after": v["prosody_muc_log_expires_after"],
        # Prosody keeps 1,000 accounts' archive sizes and last archive dates in memory by default; past
        # that, every archived message reloads the account's archive and rewrites the day's cleanup list
        # (roles/prosody/README.md, "Bigger servers", has the measurements).
        "storage_archive_item_limit_cache_size": _int(v["prosody_archive_cache_size"]),
        "archive_cleanup_date_cache_size": _int(v["prosody_archive_cache_size"]),
        "muc_log_cleanup_date_cache_size": _int(v["prosody_archive_cache_size"]),
        # mod_blocklist keeps 256 accounts' block lists by default; past that, every message to an
        # account outside the cache reads its block list (and the legacy privacy list) from storage.
        "blocklist_cache_size": _int(v["prosody_blocklist_cache_size"]),
        "smacks_hibernation_time": _int(v["prosody_smacks_hibernation_time"]),
        "smacks_max_hibernated_sessions": _int(v["prosody_smacks_max_hibernated_sessions"]),
        "smacks_max_old_sessions": _int(v["prosody_smacks_max_old_sessions"]),
        "c2s_ports": v["prosody_c2s_ports"],
        "c2s_direct_tls_ports": v["prosody_c2s_direct_tls_ports"],
        "http_ports": v["prosody_http_ports"],
        "https_ports": v["prosody_https_ports"],
        "http_interfaces": v["prosody_http_interfaces"],
        "https_interfaces": v["prosody_http_interfaces"],
        "http_cors_override": {"bosh": cors, "websocket": cors},
        "openmetrics_allow_ips": metrics_ips,
        "limits": {"c2s": {"rate": v["prosody_c2s_rate"], "burst": v["prosody_c2s_burst"]},
                   "s2sin": {"rate": v["prosody_s2s_rate"]}},
        "c2s_stanza_size_limit": _int(v["prosody_c2s_stanza_size_limit"]),
        "contact_info": v["prosody_contact_info"],
    }
    if v["prosody_port_443"]:
        options["ssl_ports"] = [443]
    if v["prosody_http_trusted_proxies"] != _DEFAULT_TRUSTED_PROXIES:
        options["trusted_proxies"] = v["prosody_http_trusted_proxies"]
    if v["prosody_storage"] == "sql":
        options["sql"] = _sql(v, t)
        options.update(_sqlite_tune(v))
    if v["prosody_conversejs_enabled"]:
        options["conversejs_files_pages_dir"] = conversejs["pages_dir"]
        options["conversejs_files_assets_dir"] = conversejs["assets_dir"]
    if v["prosody_monitoring_enabled"]:
        options.update({"statistics": "internal", "statistics_interval": "manual"})
    if metrics_cidrs:
        # http_openmetrics takes a set of addresses and ONE network (openmetrics_allow_cidr).
        options["openmetrics_allow_cidr"] = metrics_cidrs[0]
    if v["prosody_welcome_message"]:
        options["welcome_message"] = v["prosody_welcome_message"]
    options.update(_abuse_options(v))
    if invites_page_on(v):
        # The landing page at /invite (its links are <that URL>?<token>); the registration form
        # keeps its own /register, which the page links relatively.
        options["http_paths"] = {"invites_page": "/invite"}
        if v["prosody_invites_site_name"]:
            options["site_name"] = v["prosody_invites_site_name"]
    zones = v["prosody_unbound_transparent_zones"]
    if zones:
        zone = re.sub(r"^(.*?)\.?$", r"\1. transparent", zones[0])
        options["unbound"] = {"options": {"local-zone:": zone}}
    if ldap_used:
        options.update({"ldap_server": v["prosody_ldap_server"], "ldap_base": v["prosody_ldap_base"],
                        "ldap_rootdn": v["prosody_ldap_rootdn"], "ldap_filter": v["prosody_ldap_filter"],
                        "ldap_tls": v["prosody_ldap_tls"],
                        "ldap_password": _file_line(t["secrets_dir"], "ldap-password")})
    if v["prosody_turn_host"]:
        options.update({"turn_external_host": v["prosody_turn_host"],
                        "turn_external_port": _int(v["prosody_turn_port"]),
                        "turn_external_secret": _file_line(t["secrets_dir"], "turn-secret")})
        if _int(v["prosody_turn_tls_port"]) > 0:
            options["turn_external_tls_port"] = _int(v["prosody_turn_tls_port"])
    return options


def _virtual_hosts(v, t, urls, url_options):
    cdn_url = v["prosody_conversejs_cdn_url"]
    cdn = " " + re.sub(r"^(https://[^/]+).*$", r"\1", cdn_url) if cdn_url else ""
    csp = _CSP.format(cdn=cdn, upload=" UPLOAD" if v["prosody_upload_enabled"] else "")
    out = []
    for vh in v["prosody_virtual_hosts"]:
        # Both lists are always written, even empty: the prosody_module drop-in appends to a
        # section's own lists (modules_enabled:append), which must exist to be appended to.
        opts = {"admins": vh.get("admins", []), "modules_enabled": vh.get("modules_enabled", []),
                "modules_disabled": vh.get("modules_disabled", [])}
        if vh.get("authentication"):
            opts["authentication"] = vh["authentication"]
            opts["disable_sasl_mechanisms"] = t["disabled_sasl"][vh["authentication"]]
        if v["prosody_conversejs_enabled"]:
            opts["conversejs_files_content_security_policy"] = csp.replace(
                "UPLOAD", urls[vh["name"]]["upload_origin"])
        if invites_page_on(v):
            # The app list in each VirtualHost's own section: mod_register_apps rewrites a logo's
            # relative path into its host's absolute URL in the option's table itself, so one
            # global table would show every host the first host's logo URLs (seen: other.test's
            # page loading logos from example.test).
            opts["site_apps"] = v["prosody_invites_apps"]
            if vh.get("site_name"):
                opts["site_name"] = vh["site_name"]
            if v["prosody_conversejs_enabled"]:
                # The web client, offered after a sign-up on the registration page.
                base = urls[vh["name"]]["base"] or own_https_base(v, vh["name"])
                opts["webchat_url"] = base + "conversejs/"
        opts.update(url_options[vh["name"]]["vhost"])
        out.append({"name": vh["name"], "options": opts})
    return out


def _components(v, t, url_options):
    out = []
    for vh in v["prosody_virtual_hosts"]:
        host = vh["name"]
        names = _components_of(v, host)
        if "muc" in names:
            rtbl = v["prosody_muc_rtbl_service"]
            out.append({"name": names["muc"], "type": "muc", "options": {
                "name": "Chatrooms of " + host,
                "modules_enabled": list(t["muc_modules"]) + (["muc_rtbl"] if rtbl else []),
                "modules_disabled": [],
                "restrict_room_creation": "local",
                "muc_room_locking": v["prosody_muc_room_locking"],
                "muc_room_default_public": v["prosody_muc_room_default_public"],
                "muc_room_default_members_only": v["prosody_muc_room_default_members_only"],
                "muc_room_default_moderated": v["prosody_muc_room_default_moderated"],
                "max_archive_query_results": 100}})
            if rtbl:
                out[-1]["options"].update({"muc_rtbl_jid": rtbl, "muc_rtbl_node": v["prosody_muc_rtbl_node"]})
        if "upload" in names:
            opts = {"http_file_share_access": [host],
                    "http_file_share_size_limit": _int(v["prosody_upload_size_limit"]),
                    "http_file_share_expires_after": v["prosody_upload_expires_after"],
                    "http_file_share_daily_quota": _int(v["prosody_upload_daily_quota"]),
                    "http_file_share_global_quota": _int(v["prosody_upload_global_quota"]),
                    "modules_enabled": [], "modules_disabled": []}
            if not opts["http_file_share_global_quota"]:
                del opts["http_file_share_global_quota"]
            opts.update(url_options[host]["upload"])
            out.append({"name": names["upload"], "type": "http_file_share", "options": opts})
        if "proxy65" in names:
            out.append({"name": names["proxy65"], "type": "proxy65", "options": {
                "proxy65_acl": [host], "modules_enabled": [], "modules_disabled": []}})
    return out


def build_model(variables, tables):
    """Everything the role derives from its variables (``variables``: the role variables by
    name, those of __prosody_model_inputs; ``tables``: the TABLES of vars/main.yml by name)."""
    v, t = variables, tables
    vhosts = v["prosody_virtual_hosts"]
    community_enabled_dir = v["prosody_community_dir"] + "/enabled"
    plugin_paths = [v["prosody_local_modules_dir"], t["bundled_modules_dir"]]
    if v["prosody_community_modules"]:
        plugin_paths.append(community_enabled_dir)
    cdn_url = v["prosody_conversejs_cdn_url"]
    conversejs = {
        "assets_dir": "%s/%s" % (t["conversejs_dir"], v["prosody_conversejs_version"]),
        "pages_dir": t["conversejs_dir"] + "/pages",
        # Relative to the page (…/conversejs/): the same page works under a reverse proxy's path.
        "assets_url": cdn_url if cdn_url else "dist/",
    }
    ldap_used = v["prosody_authentication"] == "ldap" or "ldap" in [vh.get("authentication", "") for vh in vhosts]
    metrics = v["prosody_metrics_allowed"]
    metrics_ips = [ip for ip in (re.sub(r"/(32|128)$", "", m) for m in metrics) if "/" not in ip]
    metrics_cidrs = [m for m in metrics if "/" in m and not re.search(r"/(32|128)$", m)]
    requested = requested_modules(v, t)
    modules = enabled_modules(requested, module_dependencies(v, t), v["prosody_modules_disabled"])
    urls = public_urls(v)
    url_options = _public_url_options(urls)
    sql = _sql(v, t)
    listener_list = listeners(v)
    listen_ports = sorted(set(_int(item["port"]) for item in listener_list))
    return {
        "config": {
            "global": _global_options(v, t, modules, plugin_paths, ldap_used, metrics_ips, metrics_cidrs,
                                      conversejs),
            "virtual_hosts": _virtual_hosts(v, t, urls, url_options),
            "components": _components(v, t, url_options),
        },
        # The component names of each VirtualHost (certificates and the web client read them).
        "component_names": {vh["name"]: _components_of(v, vh["name"]) for vh in vhosts},
        "listener_list": listener_list,
        "listen_ports": listen_ports,
        # Below 1024 Prosody (User=prosody) needs CAP_NET_BIND_SERVICE, and only then gets it.
        "low_ports": [port for port in listen_ports if port < 1024],
        "public_url_map": urls,
        "fail2ban_ports": fail2ban_ports(v, urls),
        "ldap_used": ldap_used,
        "invites_page": invites_page_on(v),
        "modules_enabled": modules,
        # Every module name the configuration asks for, for the preflight checks.
        "all_named_modules": _unique(requested + list(v["prosody_modules_disabled"])
                                     + _vhost_lists(v, "modules_enabled") + _vhost_lists(v, "modules_disabled")),
        "host_level_modules": _unique(list(v["prosody_extra_modules"]) + _vhost_lists(v, "modules_enabled")),
        "known_modules": (list(t["core_modules"]) + list(t["debian_modules"]) + list(v["prosody_community_modules"])
                          + list(t["bundled_modules"]) + [m["name"] for m in v["prosody_local_modules"]]),
        "metrics_cidrs": metrics_cidrs,
        "community_enabled_dir": community_enabled_dir,
        "conversejs": conversejs,
        # Settings that only a restart applies (ports, storage, network backend, collector, plugin paths).
        "restart_settings": {
            "c2s_ports": v["prosody_c2s_ports"],
            "c2s_direct_tls_ports": v["prosody_c2s_direct_tls_ports"],
            "http_ports": v["prosody_http_ports"],
            "https_ports": v["prosody_https_ports"],
            "ssl_ports": [443] if v["prosody_port_443"] else [],
            "trusted_proxies": v["prosody_http_trusted_proxies"],
            "public_urls": url_options,
            "http_interfaces": v["prosody_http_interfaces"],
            "storage": v["prosody_storage"],
            # sqlite_tune with it: SQLite applies its journal mode when Prosody opens the database.
            "sql": dict(sql, **_sqlite_tune(v)) if v["prosody_storage"] == "sql" else {},
            "network_backend": v["prosody_network_backend"],
            # Prosody sets up its collector once, at start (util/startup.lua init_gc).
            "gc": _gc(v),
            "statistics": v["prosody_monitoring_enabled"],
            "plugin_paths": plugin_paths,
            "authentication": v["prosody_authentication"],
            "vhost_authentication": [vh.get("authentication", "") for vh in vhosts],
            "password_hash": v["prosody_password_hash"],
            # The invitation pages' modules read their options (apps, names) when they load, and
            # a reload loads no module again.
            "invites_page": {"apps": v["prosody_invites_apps"], "site_name": v["prosody_invites_site_name"],
                             "vhost_site_names": [vh.get("site_name", "") for vh in vhosts]}
            if invites_page_on(v) else {},
        },
    }


def prosody_config(variables, tables):
    """The filter: build_model() with a clear error for a missing input."""
    missing = ["__prosody_" + name for name in TABLES if name not in tables]
    if missing:
        raise AnsibleFilterError("prosody_config is missing the tables %s" % ", ".join(missing))
    try:
        return build_model(variables, tables)
    except KeyError as exc:
        raise AnsibleFilterError("prosody_config has no value for %s (__prosody_model_inputs)" % exc)


def to_lua(value, indent=""):
    """A value as prosody.cfg.lua writes it (see module_utils/lua.py)."""
    try:
        return lua.config_value(value, indent)
    except TypeError as exc:
        raise AnsibleFilterError("to_lua: %s" % exc)


class FilterModule:
    """The prosody role's configuration model, component names and Lua values."""

    def filters(self):
        return {
            "prosody_config": prosody_config,
            "prosody_component_names": prosody_component_names,
            "prosody_sql_database": prosody_sql_database,
            "to_lua": to_lua,
        }
