-- Raw rows of the host's invite store on SQL storage (SQLite), read on the
-- server's own connection, so that no other process holds a lock on the
-- database. Each row is { rowid, user, key, type, value, lone }, where
-- `lone` tells a per-user record whose token has no host-level record.
--
-- args.keys: every row of each of these keys (revoke, show, redeem);
-- args.ids: the rows of these rowids that still hold the host's invites;
-- else a page: rows with rowid in (args.after, args.before], at most
-- args.limit, in rowid order. The window bounds what one request scans
-- (NOT INDEXED: the rowid range, never a sort of all the host's rows),
-- so no request holds the event loop for long, however sparse invites are.
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
local ok, err = engine:transaction(function()
	if args.keys then
		for _, key in ipairs(args.keys) do
			for row in engine:select([[
				SELECT p.rowid, p."user", p."key", p."type", p."value",
					p."user" <> '' AND NOT EXISTS (SELECT 1 FROM "prosody" AS h
						WHERE h."host"=p."host" AND h."user"='' AND h."store"=p."store" AND h."key"=p."key")
				FROM "prosody" AS p
				WHERE p."host"=? AND p."store"=? AND p."key"=? ORDER BY p."user"]],
				args.host, "invite_token", key) do
				rows[#rows + 1] = { row[1], text(row[2]), text(row[3]), text(row[4]), text(row[5]), row[6] == 1 };
			end
		end
	elseif args.ids then
		for _, id in ipairs(args.ids) do
			for row in engine:select([[
				SELECT p.rowid, p."user", p."key", p."type", p."value", 0
				FROM "prosody" AS p
				WHERE p.rowid=? AND p."host"=? AND p."store"=?]],
				id, args.host, "invite_token") do
				rows[#rows + 1] = { row[1], text(row[2]), text(row[3]), text(row[4]), text(row[5]), false };
			end
		end
	else
		for row in engine:select([[
			SELECT p.rowid, p."user", p."key", p."type", p."value",
				p."user" <> '' AND NOT EXISTS (SELECT 1 FROM "prosody" AS h
					WHERE h."host"=p."host" AND h."user"='' AND h."store"=p."store" AND h."key"=p."key")
			FROM "prosody" AS p NOT INDEXED
			WHERE p.rowid > ? AND p.rowid <= ? AND p."host"=? AND p."store"=?
			ORDER BY p.rowid LIMIT ?]],
			args.after, args.before, args.host, "invite_token", args.limit) do
			rows[#rows + 1] = { row[1], text(row[2]), text(row[3]), text(row[4]), text(row[5]), row[6] == 1 };
			last = row[1];
		end
	end
end);
if not ok then
	return answer({ error = "storage", message = tostring(err) });
end
-- A full page ends at its last row; any other at the window's end.
if not args.keys and not args.ids and #rows < args.limit then
	last = args.before;
end
return answer({ rows = literal(rows), last = last });
