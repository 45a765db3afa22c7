-- args.users: { { user = U, records = { [key] = value, ... } }, ... },
-- each user's records in one call (one SQL transaction), written first;
-- args.records: the host-level records, { [key] = value, ... }, in one
-- call, last, so a host-level record is never there without its users'.
for i, group in ipairs(args.users) do
	local ok, err = store:set_keys(group.user, group.records);
	if not ok then
		return answer({ ok = false, users_written = i - 1, error = tostring(err) });
	end
end
if next(args.records) ~= nil then
	local ok, err = store:set_keys(nil, args.records);
	if not ok then
		return answer({ ok = false, users_written = #args.users, error = tostring(err) });
	end
end
return answer({ ok = true, users_written = #args.users });
