-- args.users: { { user = U, keys = { K, ... } }, ... }, args.keys: { K, ... }
-- (host level): removes these records, whatever they hold. Only for keys
-- invitectl itself wrote in this run and never told anyone (undoing a
-- `generate` that failed part way): nobody else can have written them.
for _, group in ipairs(args.users) do
	local doomed = {};
	for _, key in ipairs(group.keys) do
		doomed[key] = store.remove;
	end
	local ok, err = store:set_keys(group.user, doomed);
	if not ok then
		return answer({ error = "storage", message = tostring(err) });
	end
end
local doomed = {};
for _, key in ipairs(args.keys) do
	doomed[key] = store.remove;
end
if next(doomed) ~= nil then
	local ok, err = store:set_keys(nil, doomed);
	if not ok then
		return answer({ error = "storage", message = tostring(err) });
	end
end
return answer({ ok = true });
