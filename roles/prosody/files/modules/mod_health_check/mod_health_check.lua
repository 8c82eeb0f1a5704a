-- Health endpoint for load balancers and the blackbox probe: GET /health answers 200 "OK" while
-- every loaded module is healthy and 503 when one has reported an error (module:set_status),
-- so a half-broken server leaves the rotation. Core Prosody 13 has no such endpoint.
module:set_global();
module:depends("http");

local modulemanager = require "prosody.core.modulemanager";

local function has_failing_module()
	local hosts = { "*" };
	for host in pairs(prosody.hosts) do
		table.insert(hosts, host);
	end
	for _, host in ipairs(hosts) do
		for _, mod in pairs(modulemanager.get_modules(host) or {}) do
			if mod.module.status_type == "error" then
				return true;
			end
		end
	end
	return false;
end

module:provides("http", {
	default_path = "/health";
	route = {
		GET = function (event)
			local headers = event.response.headers;
			headers.content_type = "text/plain";
			headers.cache_control = "no-store";
			-- Which module failed is for the logs, not for anyone who can reach this URL.
			if has_failing_module() then
				return { status_code = 503; body = "FAILING\n" };
			end
			return "OK\n";
		end;
	};
});
