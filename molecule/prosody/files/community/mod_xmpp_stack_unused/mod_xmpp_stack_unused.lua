-- In the archive but not requested: the role must not link it onto the plugin path.
module:add_feature("urn:xmpp-stack:test:unused:0");
