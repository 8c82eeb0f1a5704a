-- Counts failed client authentications for Prometheus (exported by core mod_http_openmetrics as
-- prosody_mod_measure_auth_failures__failed_total{host, condition}). Core Prosody 13 only logs
-- them, and an alert on password guessing needs a number.
local failures = module:metric("counter", "failed", "", "Failed client authentication attempts", { "condition" });

module:hook("authentication-failure", function (event)
	failures:with_labels(event.condition or "unknown"):add(1);
end);
