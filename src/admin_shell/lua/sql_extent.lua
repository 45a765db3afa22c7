-- The largest rowid of the table, where a paged read ends, and how many
-- host-level invite records the host has (for progress).
local engine = sql_engine();
if not engine then
	return answer({ error = "storage", message = "the invite store is not on SQL storage" });
end
local max, count = 0, 0;
local ok, err = engine:transaction(function()
	for row in engine:select([[SELECT max(rowid) FROM "prosody"]]) do
		max = tonumber(row[1]) or 0;
	end
	for row in engine:select([[
		SELECT COUNT(*) FROM "prosody" WHERE "host"=? AND "user"='' AND "store"=?]],
		args.host, "invite_token") do
		count = tonumber(row[1]) or 0;
	end
end);
if not ok then
	return answer({ error = "storage", message = tostring(err) });
end
return answer({ max = max, host_records = count });
