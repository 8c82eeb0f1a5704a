-- Ansible managed
-- Rendered by the xmpp.stack prosody role from its configuration data model
-- (roles/prosody/vars/main.yml, __prosody_config). Drop-ins: /etc/prosody/conf.d/*.cfg.lua.
pidfile = "/run/prosody/prosody.pid"
log = { info = "*stdout" }
network_backend = "epoll"
gc = {
	major_threshold = 200;
	minor_threshold = 5;
	mode = "generational";
}
network_settings = {
	tcp_backlog = 1024;
}
plugin_paths = { "/usr/local/lib/prosody/modules"; "/usr/local/lib/prosody/xmpp-stack"; }
admins = { }
modules_enabled = { "roster"; "saslauth"; "tls"; "dialback"; "disco"; "carbons"; "pep"; "private"; "blocklist"; "vcard4"; "vcard_legacy"; "bookmarks"; "mam"; "ping"; "time"; "uptime"; "version"; "lastactivity"; "account_activity"; "limits"; "register"; "admin_adhoc"; "admin_shell"; "server_contact_info"; "announce"; "smacks"; "csi_simple"; "sasl2"; "sasl2_bind2"; "sasl2_fast"; "sasl2_sm"; "cloud_notify"; "cloud_notify_encrypted"; "unified_push"; "websocket"; "bosh"; "http_altconnect"; "spam_reporting"; "watch_spam_reports"; "report_forward"; "http_openmetrics"; "health_check"; "measure_auth_failures"; "invites"; "invites_adhoc"; "invites_register"; "invites_page"; "invites_register_web"; "register_apps"; "http_libjs"; "password_policy"; "invites_reset_web"; "watchregistrations"; "conversejs_files"; "log_auth"; "anti_spam"; "http"; }
modules_disabled = { }
certificates = "/etc/prosody/certs"
ssl = {
	ciphers = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM";
	curveslist = { "P-256"; "P-384"; };
	options = { "cipher_server_preference"; "no_compression"; };
	protocol = "tlsv1_2+";
}
c2s_require_encryption = true
s2s_require_encryption = true
s2s_secure_auth = true
allow_unencrypted_plain_auth = false
authentication = "internal_hashed"
password_hash = "SHA-256"
default_iteration_count = 10000
disable_sasl_mechanisms = { "PLAIN"; "DIGEST-MD5"; "X-OAUTH2"; }
allow_registration = false
registration_invite_only = true
storage = "internal"
archive_expires_after = "1y"
muc_log_expires_after = "1y"
storage_archive_item_limit_cache_size = 10000
archive_cleanup_date_cache_size = 10000
muc_log_cleanup_date_cache_size = 10000
blocklist_cache_size = 10000
smacks_hibernation_time = 600
smacks_max_hibernated_sessions = 10
smacks_max_old_sessions = 10
c2s_ports = { 5222; }
c2s_direct_tls_ports = { "x5223"; 0; 70000; }
http_ports = { 5280; }
https_ports = { 5281; }
http_interfaces = { "*"; "::"; }
https_interfaces = { "*"; "::"; }
http_cors_override = {
	bosh = {
		enabled = true;
		origins = "*";
	};
	websocket = {
		enabled = true;
		origins = "*";
	};
}
openmetrics_allow_ips = { "127.0.0.1"; "::1"; }
limits = {
	c2s = {
		burst = "2s";
		rate = "10kb/s";
	};
	s2sin = {
		rate = "30kb/s";
	};
}
c2s_stanza_size_limit = 262144
contact_info = { }
conversejs_files_pages_dir = "/usr/local/share/xmpp-stack/conversejs/pages"
conversejs_files_assets_dir = "/usr/local/share/xmpp-stack/conversejs/14.0.0"
statistics = "internal"
statistics_interval = "manual"
report_forward_to = { }
report_forward_to_origin = true
anti_spam_services = { "xmppbl.org"; }
http_paths = {
	invites_page = "/invite";
}

-- Drop-ins open their own VirtualHost/Component sections; this stays the last line.
Include "conf.d/*.cfg.lua"
