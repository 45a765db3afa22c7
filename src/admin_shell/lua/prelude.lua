-- Runs after `local args = <literal>`: the invite store of `args.host`
-- and what every program shares. Each program returns its answer as
-- JSON; stored values travel inside it as Lua literals written by
-- util.serialization (plain ASCII, every byte kept), which invitectl
-- reads with its own reader of literals.
local json = require "util.json";
local serialization = require "util.serialization";
-- multiref: the same table may be in an answer twice (a key asked twice).
local literal = serialization.new({ multiref = true, preset = "compact" });
local storagemanager = require "core.storagemanager";
local now = require "util.time".now;
local started = now();

-- Every answer tells how long the server spent on it (after compiling
-- the text): the event loop was blocked for at least that long.
local function answer(t)
	t.seconds = now() - started;
	return json.encode(t);
end

-- The same as one Lua literal, for answers made mostly of stored values.
local function answer_literal(t)
	t.seconds = now() - started;
	return literal(t);
end

-- A program given no host (the server's version) opens no store.
local store;
if args.host ~= nil then
	if not prosody.hosts[args.host] then
		return answer({ error = "unknown-host" });
	end
	local open_err;
	store, open_err = storagemanager.open(args.host, "invite_token", "map");
	if not store then
		return answer({ error = "storage", message = tostring(open_err) });
	end
end

-- File storage has no map store: storagemanager's shim over the keyval
-- store loads the whole file for every get, so a run loads it once per
-- user. Nothing else runs on the server until this program returns, so
-- the copy stays current (the shim's writes reload the file).
local whole = {};
local function read_all(user)
	local slot = user or "";
	if whole[slot] == nil then
		local all, err = store.keyval_store:get(user);
		if all == nil and err then
			return nil, err;
		end
		whole[slot] = all or {};
	end
	return whole[slot];
end

local function read(user, key)
	if store.keyval_store == nil then
		return store:get(user, key);
	end
	local all, err = read_all(user);
	if all == nil then
		return nil, err;
	end
	return all[key];
end

-- The SQL storage's engine of this host, or nil on other storage. The
-- map store has no call that lists keys; mod_storage_sql (0.12 and 13)
-- keeps its engine in an upvalue of its driver's methods.
local function sql_engine()
	local driver, driver_name = storagemanager.get_driver(args.host, "invite_token");
	if driver_name ~= "sql" or type(driver) ~= "table" or type(driver.stores) ~= "function" then
		return nil;
	end
	for i = 1, 255 do
		local name, value = debug.getupvalue(driver.stores, i);
		if name == nil then
			return nil;
		elseif name == "engine" then
			return value;
		end
	end
end

