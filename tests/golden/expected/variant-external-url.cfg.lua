-- Ansible managed
-- Rendered by the xmpp.stack prosody role from its configuration data model
-- (roles/prosody/vars/main.yml, __prosody_config). Drop-ins: /etc/prosody/conf.d/*.cfg.lua.
pidfile = "/run/prosody/prosody.pid"
log = { debug = "*stdout" }
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
modules_enabled = { "roster"; "saslauth"; "tls"; "dialback"; "disco"; "carbons"; "pep"; "private"; "blocklist"; "vcard4"; "vcard_legacy"; "bookmarks"; "mam"; "ping"; "time"; "uptime"; "version"; "lastactivity"; "account_activity"; "limits"; "register"; "admin_adhoc"; "admin_shell"; "server_contact_info"; "announce"; "turn_external"; "conversejs_files"; "log_auth"; "mam_prefs_cache"; }
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
storage = "sql"
archive_expires_after = "1y"
muc_log_expires_after = "1y"
storage_archive_item_limit_cache_size = 10000
archive_cleanup_date_cache_size = 10000
muc_log_cleanup_date_cache_size = 10000
blocklist_cache_size = 10000
smacks_hibernation_time = 600
smacks_max_hibernated_sessions = 10
smacks_max_old_sessions = 10
c2s_ports = { 5222; 5322; }
c2s_direct_tls_ports = { 5223; }
http_ports = { }
https_ports = { 8443; }
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
sql = {
	database = "prosody";
	driver = "PostgreSQL";
	host = "db.example.test";
	password = FileLine("/etc/prosody/secrets/sql-password");
	port = 5433;
	username = "prosody";
}
conversejs_files_pages_dir = "/usr/local/share/xmpp-stack/conversejs/pages"
conversejs_files_assets_dir = "/usr/local/share/xmpp-stack/conversejs/14.0.0"
ldap_server = "ldap.example.test"
ldap_base = "dc=example,dc=test"
ldap_rootdn = ""
ldap_filter = "(uid=$user)"
ldap_tls = true
ldap_password = FileLine("/etc/prosody/secrets/ldap-password")
turn_external_host = "turn.example.test"
turn_external_port = 3478
turn_external_secret = FileLine("/etc/prosody/secrets/turn-secret")

VirtualHost "c.example.test"
	admins = { }
	modules_enabled = { }
	modules_disabled = { }
	conversejs_files_content_security_policy = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https://proxy.example.com; media-src 'self' blob: https://proxy.example.com; font-src 'self' data:; connect-src 'self' https://proxy.example.com; worker-src 'self' blob:; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	http_external_url = "https://proxy.example.com/"
	http_host = "proxy.example.com"

VirtualHost "d.example.test"
	admins = { }
	modules_enabled = { }
	modules_disabled = { }
	authentication = "ldap"
	disable_sasl_mechanisms = { "DIGEST-MD5"; "X-OAUTH2"; }
	conversejs_files_content_security_policy = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: http://d-proxy.example.com:8080; media-src 'self' blob: http://d-proxy.example.com:8080; font-src 'self' data:; connect-src 'self' http://d-proxy.example.com:8080; worker-src 'self' blob:; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	http_external_url = "http://d-proxy.example.com:8080/xmpp/"
	http_host = "d-proxy.example.com"

Component "upload.c.example.test" "http_file_share"
	http_file_share_access = { "c.example.test"; }
	http_file_share_size_limit = 1048576
	http_file_share_expires_after = "7d"
	http_file_share_daily_quota = 1073741824
	http_file_share_global_quota = 10737418240
	modules_enabled = { }
	modules_disabled = { }
	http_external_url = "https://proxy.example.com/"
	http_host = "proxy.example.com"

Component "proxy.c.example.test" "proxy65"
	proxy65_acl = { "c.example.test"; }
	modules_enabled = { }
	modules_disabled = { }

Component "upload.d.example.test" "http_file_share"
	http_file_share_access = { "d.example.test"; }
	http_file_share_size_limit = 1048576
	http_file_share_expires_after = "7d"
	http_file_share_daily_quota = 1073741824
	http_file_share_global_quota = 10737418240
	modules_enabled = { }
	modules_disabled = { }
	http_external_url = "http://d-proxy.example.com:8080/xmpp/"
	http_host = "d-proxy.example.com"

Component "proxy.d.example.test" "proxy65"
	proxy65_acl = { "d.example.test"; }
	modules_enabled = { }
	modules_disabled = { }

-- Drop-ins open their own VirtualHost/Component sections; this stays the last line.
Include "conf.d/*.cfg.lua"
