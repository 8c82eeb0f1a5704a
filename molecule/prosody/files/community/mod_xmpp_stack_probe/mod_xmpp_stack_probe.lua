-- A module of the test's own, shipped in the test's pinned "community" archive: when it is
-- loaded, disco#info of the host shows its feature.
module:add_feature("urn:xmpp-stack:test:community:0");
