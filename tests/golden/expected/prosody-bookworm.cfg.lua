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
plugin_paths = { "/usr/local/lib/prosody/modules"; "/usr/local/lib/prosody/xmpp-stack"; "/usr/local/lib/prosody/community/enabled"; }
admins = { }
modules_enabled = { "roster"; "saslauth"; "tls"; "dialback"; "disco"; "carbons"; "pep"; "private"; "blocklist"; "vcard4"; "vcard_legacy"; "bookmarks"; "mam"; "ping"; "time"; "uptime"; "version"; "lastactivity"; "account_activity"; "limits"; "register"; "admin_adhoc"; "admin_shell"; "server_contact_info"; "announce"; "smacks"; "csi_simple"; "sasl2"; "sasl2_bind2"; "sasl2_fast"; "sasl2_sm"; "cloud_notify"; "cloud_notify_encrypted"; "unified_push"; "websocket"; "bosh"; "http_altconnect"; "spam_reporting"; "watch_spam_reports"; "report_forward"; "http_openmetrics"; "health_check"; "measure_auth_failures"; "invites"; "invites_adhoc"; "invites_register"; "invites_page"; "invites_register_web"; "register_apps"; "http_libjs"; "password_policy"; "invites_reset_web"; "watchregistrations"; "welcome"; "conversejs_files"; "log_auth"; "anti_spam"; "xmpp_stack_probe"; "xmpp_stack_local"; "http"; "mam_prefs_cache"; }
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
c2s_ports = { 5222; }
c2s_direct_tls_ports = { 5223; }
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
contact_info = {
	abuse = { "mailto:abuse@bookworm.example.test"; };
	admin = { "xmpp:admin@bookworm.example.test"; };
}
sql = {
	database = "prosody.sqlite";
	driver = "SQLite3";
}
sqlite_tune = "normal"
conversejs_files_pages_dir = "/usr/local/share/xmpp-stack/conversejs/pages"
conversejs_files_assets_dir = "/usr/local/share/xmpp-stack/conversejs/14.0.0"
statistics = "internal"
statistics_interval = "manual"
welcome_message = "Welcome to the xmpp.stack test server."
report_forward_to = { }
report_forward_to_origin = true
anti_spam_services = { "xmppbl.org"; }
http_paths = {
	invites_page = "/invite";
}
unbound = {
	options = {
		["local-zone:"] = "test. transparent";
	};
}

VirtualHost "bookworm.example.test"
	admins = { "admin@bookworm.example.test"; }
	modules_enabled = { }
	modules_disabled = { }
	conversejs_files_content_security_policy = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https://upload.bookworm.example.test:5281; media-src 'self' blob: https://upload.bookworm.example.test:5281; font-src 'self' data:; connect-src 'self' https://upload.bookworm.example.test:5281; worker-src 'self' blob:; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	site_apps = { {
		download = {
			buttons = { {
				target = "_blank";
				text = "Get it on Google Play";
				url = "https://play.google.com/store/apps/details?id=eu.siacs.conversations";
			}; {
				target = "_blank";
				text = "Get it on F-Droid";
				url = "https://f-droid.org/packages/eu.siacs.conversations/";
			}; };
		};
		image = "assets/logos/conversations.svg";
		link = "https://play.google.com/store/apps/details?id=eu.siacs.conversations";
		magic_link_format = "{app.link!}&referrer={invite.uri}";
		name = "Conversations";
		platforms = { "Android"; };
		supports_preauth_uri = true;
		text = "An XMPP client for Android, built for a smooth mobile experience.";
	}; {
		download = {
			buttons = { {
				target = "_blank";
				text = "Download Monal";
				url = "https://monal-im.org/";
			}; };
		};
		image = "assets/logos/monal.svg";
		link = "https://monal-im.org/";
		name = "Monal";
		platforms = { "iOS"; "macOS"; };
		supports_preauth_uri = true;
		text = "A modern open-source XMPP client for iPhone, iPad and Mac.";
	}; {
		download = {
			buttons = { {
				target = "_blank";
				text = "Download on the App Store";
				url = "https://apps.apple.com/us/app/siskin-im/id1153516838";
			}; };
		};
		image = "assets/logos/siskin-im.png";
		link = "https://apps.apple.com/us/app/siskin-im/id1153516838";
		name = "Siskin IM";
		platforms = { "iOS"; };
		supports_preauth_uri = true;
		text = "A lightweight XMPP client for iPhone and iPad.";
	}; {
		download = {
			buttons = { {
				target = "_blank";
				text = "Download Dino for Linux";
				url = "https://dino.im/#download";
			}; };
		};
		image = "assets/logos/dino.svg";
		link = "https://dino.im/";
		name = "Dino";
		platforms = { "Linux"; };
		text = "A modern open-source chat client for the Linux desktop.";
	}; {
		download = {
			buttons = { {
				target = "_blank";
				text = "Download Gajim";
				url = "https://gajim.org/download/";
			}; };
		};
		image = "assets/logos/gajim.svg";
		link = "https://gajim.org/";
		name = "Gajim";
		platforms = { "Windows"; "Linux"; };
		text = "A fully-featured desktop chat client for Windows and Linux.";
	}; }
	webchat_url = "https://bookworm.example.test:5281/conversejs/"

Component "conference.bookworm.example.test" "muc"
	name = "Chatrooms of bookworm.example.test"
	modules_enabled = { "muc_mam"; "muc_limits"; "muc_moderation"; "muc_rtbl"; }
	modules_disabled = { }
	restrict_room_creation = "local"
	muc_room_locking = false
	muc_room_default_public = false
	muc_room_default_members_only = false
	muc_room_default_moderated = false
	max_archive_query_results = 100
	muc_rtbl_jid = "xmppbl.org"
	muc_rtbl_node = "muc_bans_sha256"

Component "upload.bookworm.example.test" "http_file_share"
	http_file_share_access = { "bookworm.example.test"; }
	http_file_share_size_limit = 52428800
	http_file_share_expires_after = "7d"
	http_file_share_daily_quota = 1073741824
	http_file_share_global_quota = 10737418240
	modules_enabled = { }
	modules_disabled = { }

Component "proxy.bookworm.example.test" "proxy65"
	proxy65_acl = { "bookworm.example.test"; }
	modules_enabled = { }
	modules_disabled = { }

-- Drop-ins open their own VirtualHost/Component sections; this stays the last line.
Include "conf.d/*.cfg.lua"
