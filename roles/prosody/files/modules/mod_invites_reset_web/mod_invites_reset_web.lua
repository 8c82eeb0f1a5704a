-- The web page of a password-reset invitation (Prosody 13's `invite create_reset`, the
-- prosody_invite module's type=reset): GET <http base>reset?t=<token> shows a form naming the
-- account, POST sets the new password. Debian's mod_invites_register_web only creates accounts and
-- mod_password_reset keeps its own tokens; this page redeems mod_invites' reset tokens the way
-- Prosody's in-band reset does (mod_register_ibr with mod_invites_register): the token must carry
-- additional_data.allow_reset naming an existing account, "user-registering" is fired with the
-- validated invite and must come back allowed with allow_reset = that account, the password is set,
-- "user-password-reset" is fired (mod_invites_register uses the invite up), and the token is gone.
-- The password passes mod_password_policy as on the registration form. The password is set with
-- usermanager.set_password, so Prosody also closes the account's open sessions (mod_c2s on
-- "user-password-changed"). A token that is not a valid reset gets mod_invites_page's
-- "Invite expired" page. Neither the password nor the token is logged.
local http_formdecode = require "prosody.net.http".formdecode;
local usermanager = require "prosody.core.usermanager";
local id = require "prosody.util.id";
local st = require "prosody.util.stanza";
local url_escape = require "prosody.util.http".urlencode;
local render_html_template = require "prosody.util.interpolation".new("%b{}", st.xml_escape, {
	urlescape = url_escape;
});

module:depends("http");
local invites = module:depends("invites");
local invites_page = module:depends("invites_page");
local mod_password_policy = module:depends("password_policy");

local site_name = module:get_option_string("site_name", module.host);
-- Served at <http base>reset (http_paths may move it); http_url() must be told the same default.
local default_path = "/reset";

-- This page's link for a reset token (also read by the prosody_invite module's admin-shell helper).
function reset_url(token) --luacheck: ignore 131/reset_url
	return module:http_url(nil, default_path).."?t="..url_escape(token);
end

-- mod_invites_page gives every invitation that allows registration its /invite link (priority 0);
-- a reset gets this page's link instead, before mod_invites' own fallback (priority -1).
module:hook("invite-created", function (invite)
	if invite.additional_data and invite.additional_data.allow_reset then
		invite.landing_page = reset_url(invite.token);
	end
end, -0.5);

-- The invite (from invites.get) and the account it resets, when the token is a pending reset of
-- an existing account of this host; else nil.
local function get_reset(token)
	if type(token) ~= "string" or token == "" then return nil; end
	local invite = invites.get(token);
	local username = invite and invite.additional_data and invite.additional_data.allow_reset;
	if type(username) ~= "string" or not usermanager.user_exists(username, module.host) then
		return nil;
	end
	return invite, username;
end

local function no_cache(response)
	-- The page holds the token (and, after a POST, follows a password): nothing keeps a copy.
	response.headers["Cache-Control"] = "no-cache, no-store, must-revalidate";
	response.headers["Pragma"] = "no-cache";
	response.headers["Expires"] = "0";
	response.headers["Referrer-Policy"] = "no-referrer";
	response.headers["Content-Type"] = "text/html; charset=utf-8";
end

local function render(name, vars)
	local template = assert(module:load_resource("html/"..name..".html")):read("*a");
	vars.site_name = site_name;
	return render_html_template(template, vars);
end

local function expired_page()
	-- Prosody's own page for a used, expired or unknown invitation.
	local template = assert(invites_page.module:load_resource("html/invite_invalid.html")):read("*a");
	return render_html_template(template, {
		site_name = site_name;
		static = invites_page.module:http_url().."/static";
	});
end

local function form(invite, username, message)
	return render("reset", {
		token = invite.token;
		username = username;
		domain = module.host;
		password_policy = mod_password_policy.get_policy();
		message = message;
	});
end

local function serve_form(event)
	no_cache(event.response);
	-- formdecode gives a string for a query without "=".
	local query = event.request.url.query and http_formdecode(event.request.url.query);
	local invite, username = get_reset(type(query) == "table" and query.t or nil);
	if not invite then
		return expired_page();
	end
	return form(invite, username);
end

local function handle_form(event)
	local request, response = event.request, event.response;
	no_cache(response);
	local data = request.body and http_formdecode(request.body);
	if type(data) ~= "table" then data = {}; end
	local invite, username = get_reset(data.token);
	if not invite then
		return expired_page();
	end
	local password = data.password;
	if not password or password == "" then
		return form(invite, username, "Please enter the new password twice.");
	end
	if password ~= data.password_confirm then
		return form(invite, username, "The two passwords are not the same.");
	end
	local pw_ok, pw_error = mod_password_policy.check_password(password, { username = username });
	if not pw_ok then
		return form(invite, username, pw_error);
	end

	-- As the in-band reset: the registration hooks see the validated invite (mod_invites_register
	-- answers with allow_reset, mod_register_limits may refuse the address).
	local registering = {
		validated_invite = invite;
		username = username;
		host = module.host;
		ip = request.ip;
		allowed = true;
	};
	module:fire_event("user-registering", registering);
	if not registering.allowed or registering.allow_reset ~= username then
		local reason = registering.reason or (registering.error and registering.error.text);
		module:log("info", "Web password reset for %s@%s refused: %s", username, module.host, reason or "no allow_reset");
		return render("reset_result", { failed = true; message = reason or "Password reset is not allowed." });
	end

	local ok, err = usermanager.set_password(username, password, module.host);
	if not ok then
		local err_id = id.short();
		module:log("warn", "Web password reset for %s@%s failed (%s): %s", username, module.host, err_id, tostring(err));
		return render("reset_result", { failed = true; message = ("An unknown error has occurred (%s)"):format(err_id) });
	end
	module:fire_event("user-password-reset", {
		username = username;
		host = module.host;
		source = "mod_"..module.name;
		validated_invite = invite;
		ip = request.ip;
	});
	-- mod_invites_register uses the invite up on that event; without it, this page does.
	if invites.get(invite.token) then
		invite:use();
	end
	module:log("info", "Password of %s@%s reset through the web page", username, module.host);
	return render("reset_result", { username = username; domain = module.host });
end

module:provides("http", {
	default_path = default_path;
	route = {
		["GET"] = serve_form;
		["POST"] = handle_form;
	};
});
