-- args.keys: { { user = U (absent: host level), key = K }, ... }. The
-- answer holds the records found, each under its position in args.keys.
local found = {};
for i, item in ipairs(args.keys) do
	local value, err = read(item.user, item.key);
	if value == nil and err then
		return answer({ error = "storage", message = tostring(err) });
	end
	found[i] = value;
end
return answer({ records = literal(found) });
