-- args.rows: { { user = U ("" at host level), key = K, type = T, value = V }, ... }:
-- new rows of the invite store, inserted in one transaction on the
-- server's own connection. The values are the stored form invitectl
-- writes on the direct path too (the record's JSON, the expiry's digits),
-- so the server's encoder need not run for each: on SQL storage that is
-- most of a write's cost. Only for keys that cannot exist yet (new tokens):
-- on Prosody 13's unique index a duplicate fails the whole transaction.
local engine = sql_engine();
if not engine then
	return answer({ error = "storage", message = "the invite store is not on SQL storage" });
end
local ok, err = engine:transaction(function()
	for _, row in ipairs(args.rows) do
		engine:insert([[
			INSERT INTO "prosody" ("host", "user", "store", "key", "type", "value")
			VALUES (?, ?, ?, ?, ?, ?)]],
			args.host, row.user, "invite_token", row.key, row.type, row.value);
	end
end);
if not ok then
	return answer({ ok = false, users_written = 0, error = tostring(err) });
end
return answer({ ok = true, users_written = 0 });
