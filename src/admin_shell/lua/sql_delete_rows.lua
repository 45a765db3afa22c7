-- args.rows: { { user = U ("" at host level), key = K, type = T, value = V }, ... }.
-- Each row is removed only if the stored row is still, byte for byte, the
-- one invitectl read and decided on: a record the server changed since
-- stays. All in one transaction on the server's own connection.
local engine = sql_engine();
if not engine then
	return answer({ error = "storage", message = "the invite store is not on SQL storage" });
end
local removed = {};
local ok, err = engine:transaction(function()
	for i, row in ipairs(args.rows) do
		local result = engine:delete([[
			DELETE FROM "prosody"
			WHERE "host"=? AND "user"=? AND "store"=? AND "key"=? AND "type"=? AND "value"=?]],
			args.host, row.user, "invite_token", row.key, row.type, row.value);
		removed[i] = result:affected() > 0;
	end
end);
if not ok then
	return answer({ error = "storage", message = tostring(err) });
end
return answer({ removed = literal(removed) });
