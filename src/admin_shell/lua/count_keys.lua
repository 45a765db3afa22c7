-- args.user (absent: host level): how many keys it has.
local count = 0;
local engine = sql_engine();
if engine then
	local ok, err = engine:transaction(function()
		for row in engine:select([[
			SELECT COUNT(*) FROM "prosody"
			WHERE "host"=? AND "user"=? AND "store"=? AND "key">'']],
			args.host, args.user or "", "invite_token") do
			count = tonumber(row[1]);
		end
	end);
	if not ok then
		return answer({ error = "storage", message = tostring(err) });
	end
elseif store.keyval_store then
	local all, err = read_all(args.user);
	if all == nil then
		return answer({ error = "storage", message = tostring(err) });
	end
	for key in pairs(all) do
		if type(key) == "string" then
			count = count + 1;
		end
	end
else
	return answer({ error = "storage", message = "this storage cannot count keys" });
end
return answer({ count = count });
