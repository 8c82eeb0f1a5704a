-- A custom local module (the seed's mounted module directory): its feature proves it loaded.
module:add_feature("urn:xmpp-stack:test:local:0");
