-- Raw rows of the host's invite store on SQL storage (SQLite), read on the
-- server's own connection, so that no other process holds a lock on the
-- database. Each row is { rowid, user, key, type, value, lone }, where
-- `lone` tells a per-user record whose token has no host-level record.
-- Every lookup is one statement (sets travel as JSON arrays, bound as one
-- parameter and read with json_each), so a request costs one prepare.
--
-- args.keys: the host-level rows of these keys (through the index);
-- args.pairs: the rows of these { user = U, key = K } (through the index);
-- args.scan: the per-user rows of these keys, whatever the user (one scan
--   of the host's per-user rows: for tokens with no host-level record);
-- args.ids: the rows of these rowids that still hold the host's invites;
-- else a page of rows with rowid in (args.after, args.before], at most
--   args.limit, in rowid order: with args.order only { rowid, created }
--   of host-level and lone rows, for sorting; else those that may have
--   expired at args.expired_at. The window bounds what one
--   request scans (NOT INDEXED: the rowid range, never a sort of all the
--   host's rows), so no request holds the event loop for long, however
--   sparse invites are.
local engine = sql_engine();
if not engine then
	return answer({ error = "storage", message = "the invite store is not on SQL storage" });
end
local rows, last = {}, nil;
-- A column that is not text (NULL) travels as false: Lua tables keep no nil.
local function text(v)
	if type(v) == "string" then
		return v;
	end
	return false;
end
local COLUMNS = [[p.rowid, p."user", p."key", p."type", p."value",
	p."user" <> '' AND NOT EXISTS (SELECT 1 FROM "prosody" AS h
		WHERE h."host"=p."host" AND h."user"='' AND h."store"=p."store" AND h."key"=p."key")]];
local function collect(sql, ...)
	for row in engine:select(sql, ...) do
		rows[#rows + 1] = { row[1], text(row[2]), text(row[3]), text(row[4]), text(row[5]), row[6] == 1 };
		last = row[1];
	end
end
local ok, err = engine:transaction(function()
	if args.keys then
		collect([[SELECT ]] .. COLUMNS .. [[ FROM "prosody" AS p
			WHERE p."host"=? AND p."user"='' AND p."store"=?
			AND p."key" IN (SELECT value FROM json_each(?))]],
			args.host, "invite_token", json.encode(args.keys));
	elseif args.pairs then
		for _, pair in ipairs(args.pairs) do
			collect([[SELECT ]] .. COLUMNS .. [[ FROM "prosody" AS p
				WHERE p."host"=? AND p."user"=? AND p."store"=? AND p."key"=?]],
				args.host, pair.user, "invite_token", pair.key);
		end
	elseif args.scan then
		collect([[SELECT ]] .. COLUMNS .. [[ FROM "prosody" AS p
			WHERE p."host"=? AND p."user"<>'' AND p."store"=?
			AND p."key" IN (SELECT value FROM json_each(?)) ORDER BY p."user"]],
			args.host, "invite_token", json.encode(args.scan));
	elseif args.ids then
		-- NOT INDEXED: else SQLite scans the host's index instead of
		-- looking each rowid up.
		collect([[SELECT ]] .. COLUMNS .. [[ FROM "prosody" AS p NOT INDEXED
			WHERE p.rowid IN (SELECT value FROM json_each(?)) AND p."host"=? AND p."store"=?]],
			json.encode(args.ids), args.host, "invite_token");
	elseif args.order then
		for row in engine:select([[
			SELECT p.rowid, CASE WHEN p."type"='json' AND json_valid(p."value")
				AND json_type(p."value", '$.created_at') IN ('integer', 'real')
				THEN CAST(json_extract(p."value", '$.created_at') AS INTEGER) END
			FROM "prosody" AS p NOT INDEXED
			WHERE p.rowid > ? AND p.rowid <= ? AND p."host"=? AND p."store"=?
			AND (p."user"='' OR NOT EXISTS (SELECT 1 FROM "prosody" AS h
				WHERE h."host"=p."host" AND h."user"='' AND h."store"=p."store" AND h."key"=p."key"))
			ORDER BY p.rowid LIMIT ?]],
			args.after, args.before, args.host, "invite_token", args.limit) do
			rows[#rows + 1] = { row[1], row[2] or false };
			last = row[1];
		end
	else
		-- Host-level rows left out only when certainly not expired: JSON
		-- with a numeric `expires` at or after args.expired_at. The rest
		-- (per-user rows, anything unreadable) invitectl's reader decides.
		collect([[SELECT ]] .. COLUMNS .. [[ FROM "prosody" AS p NOT INDEXED
			WHERE p.rowid > ? AND p.rowid <= ? AND p."host"=? AND p."store"=?
			AND (p."user" <> '' OR NOT (p."type"='json' AND json_valid(p."value")
				AND json_type(p."value", '$.expires') IN ('integer', 'real')
				AND json_extract(p."value", '$.expires') >= ?))
			ORDER BY p.rowid LIMIT ?]],
			args.after, args.before, args.host, "invite_token", args.expired_at, args.limit);
	end
end);
if not ok then
	return answer({ error = "storage", message = tostring(err) });
end
-- A full page ends at its last row; any other at the window's end.
if args.after ~= nil and #rows < args.limit then
	last = args.before;
end
-- Rows travel inside the literal itself, not as a string in JSON: that
-- would escape every row twice.
return answer_literal({ rows = rows, last = last });
