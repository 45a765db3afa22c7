-- args.user (absent: host level), args.after (absent: from the first),
-- args.limit: up to `limit` keys after `after`, in byte order.
local user, after = args.user, args.after or "";
local keys = {};
local engine = sql_engine();
if engine then
	local ok, err = engine:transaction(function()
		for row in engine:select([[
			SELECT "key" FROM "prosody"
			WHERE "host"=? AND "user"=? AND "store"=? AND "key">?
			ORDER BY "key" LIMIT ?]], args.host, user or "", "invite_token", after, args.limit) do
			keys[#keys + 1] = row[1];
		end
	end);
	if not ok then
		return answer({ error = "storage", message = tostring(err) });
	end
elseif store.keyval_store then
	local all, err = read_all(user);
	if all == nil then
		return answer({ error = "storage", message = tostring(err) });
	end
	for key in pairs(all) do
		if type(key) == "string" and key > after then
			keys[#keys + 1] = key;
		end
	end
	table.sort(keys);
	for i = #keys, args.limit + 1, -1 do
		keys[i] = nil;
	end
else
	return answer({ error = "storage", message = "this storage cannot list keys" });
end
return answer({ keys = literal(keys) });
