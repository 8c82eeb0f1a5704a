-- Installed by the xmpp.stack playbooks migrate_to_sql.yml and upgrade.yml.
-- Counts what Prosody keeps in its current storage backend through its storage API,
-- so that the numbers of two backends can be compared.
local sm = require "prosody.core.storagemanager";
local um = require "prosody.core.usermanager";
local jid_split = require "prosody.util.jid".split;
local json = require "prosody.util.json";

local function count(iter)
  local n = 0;
  if iter then for _ in iter do n = n + 1; end end
  return n;
end

local counts = { accounts = 0, roster_items = 0, archived_messages = 0, rooms = 0, room_messages = 0 };
for name, host in pairs(prosody.hosts) do
  if host.type == "local" then
    for user in um.users(name) do
      counts.accounts = counts.accounts + 1;
      for contact in pairs(sm.open(name, "roster"):get(user) or {}) do
        -- The roster's metadata lives under the key false; contacts are JID strings.
        if type(contact) == "string" then counts.roster_items = counts.roster_items + 1; end
      end
      counts.archived_messages = counts.archived_messages
        + count(sm.open(name, "archive", "archive"):find(user, {}));
    end
  elseif host.modules and host.modules.muc then
    for room in pairs(sm.open(name, "persistent"):get(nil) or {}) do
      counts.rooms = counts.rooms + 1;
      counts.room_messages = counts.room_messages
        + count(sm.open(name, "muc_log", "archive"):find((jid_split(room)), {}));
    end
  end
end
return json.encode(counts);
