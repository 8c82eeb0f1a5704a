-- Keeps mod_mam's archive preferences in memory for every online account, including the accounts
-- that never set any.
--
-- Why: Prosody 13's mod_mam (modules/mod_mam/mamprefs.lib.lua, get_prefs) caches an account's
-- preferences in hosts[host].sessions[user].archive_prefs only when the account has stored some.
-- For the others, which is most accounts, it caches nothing and reads the archive_prefs store
-- again for every message it archives. With storage = "sql" on PostgreSQL that read is five of
-- the about eight round trips of one archived copy; on SQLite3 it is a read transaction, 7 % of
-- Prosody's CPU at 10,000 sessions and 500 messages/s (both measured in issue 20).
--
-- What: when an account binds a resource, fill that same field, once, with what get_prefs would
-- have returned: the stored preferences, or { [false] = default_archive_policy } when none are
-- stored. mod_mam then reads its own cache: set_prefs replaces the field when the account sets
-- preferences, and the field goes away with the account's last session. With mam_smart_enable,
-- get_prefs stores defaults itself the first time a client uses MAM, so nothing is filled.
-- mod_mam reads its two options when it loads: so does this module, and when mod_mam is loaded
-- again (an admin's module:reload("mam") after a configuration change) the defaults this module
-- put in memory are dropped and filled again from the new options.

local is_loaded = require "prosody.core.modulemanager".is_loaded;

local host_sessions = prosody.hosts[module.host].sessions;
if not host_sessions then
	-- A component: no accounts, and no mod_mam of the kind this module serves.
	module:log("warn", "mam_prefs_cache belongs on a VirtualHost with mam; %s has no accounts", module.host);
	return;
end

local archive_store = module:get_option_string("archive_store", "archive");
local prefs_store = module:open_store(archive_store .. "_prefs");
local filled = module:metric("counter", "filled", "", "Online accounts whose archive preferences were put in memory", { "source" });

local smart_enable, default_policy;
-- The default tables this module made (weak keys), told apart from preferences an account stored.
local made_here = setmetatable({}, { __mode = "k" });

local function read_options()
	-- Parsed as mod_mam parses them, so the cached default is the one mod_mam would return.
	smart_enable = module:get_option_boolean("mam_smart_enable", false);
	default_policy = module:get_option_enum("default_archive_policy", "always", "roster", "never", true, false);
	if default_policy == "always" then
		default_policy = true;
	elseif default_policy == "never" then
		default_policy = false;
	end
end

local function fill(username)
	local user_sessions = host_sessions[username];
	-- mod_mam may be disabled on this VirtualHost (its modules_disabled): nothing to keep then.
	if smart_enable or not is_loaded(module.host, "mam") or not user_sessions or user_sessions.archive_prefs ~= nil then
		return;
	end
	local stored, err = prefs_store:get(username);
	if err then
		-- Leave the field empty: mod_mam reads the store itself and meets the same error.
		module:log("warn", "Could not read the archive preferences of %s: %s", username, err);
		return;
	end
	if stored then
		user_sessions.archive_prefs = stored;
		filled:with_labels("stored"):add(1);
	else
		local defaults = { [false] = default_policy };
		made_here[defaults] = true;
		user_sessions.archive_prefs = defaults;
		filled:with_labels("default"):add(1);
	end
end

local function fill_online()
	for username in pairs(host_sessions) do
		fill(username);
	end
end

local function drop_made_here()
	for _, user_sessions in pairs(host_sessions) do
		if made_here[user_sessions.archive_prefs] then
			user_sessions.archive_prefs = nil;
		end
	end
end

local function mam_loaded(event)
	if event.module ~= "mam" then
		return;
	end
	read_options();
	drop_made_here();
	fill_online();
end

read_options();
if smart_enable then
	module:log("info", "mam_smart_enable is set: mod_mam stores the preferences it uses, nothing to keep");
end

module:hook("resource-bind", function (event)
	fill(event.session.username);
end);
module:hook("module-loaded", mam_loaded);
module:hook("module-reloaded", mam_loaded);

-- Unloaded, it leaves what mod_mam cached itself and takes back what it made.
function module.unload()
	drop_made_here();
end

-- Accounts already online when this module is (re)loaded.
fill_online();
