-- args.items: { { user = U (absent: host level), key = K, expected = V }, ... }.
-- A record is removed only if the stored one equals `expected`. The
-- comparison and the removal happen in this one run, on the server's one
-- event loop, so no write of the server can come between them.

-- Deep equality: same type and value; tables with the same keys holding
-- equal values (numbers compare as Lua compares them; NaN equals nothing,
-- so a record holding one is never removed).
local function same(a, b)
	if a == b then
		return true;
	end
	if type(a) ~= "table" or type(b) ~= "table" then
		return false;
	end
	for k, v in pairs(a) do
		if not same(v, rawget(b, k)) then
			return false;
		end
	end
	for k in pairs(b) do
		if rawget(a, k) == nil then
			return false;
		end
	end
	return true;
end

local outcomes, groups = {}, {};
-- The host-level records go first: without it a token is of no use.
local order = { { keys = {}, items = {} } };
groups[""] = order[1];
for i, item in ipairs(args.items) do
	local current, err = read(item.user, item.key);
	if current == nil and err then
		return answer({ error = "storage", message = tostring(err) });
	end
	if current == nil then
		outcomes[i] = "missing";
	elseif same(current, item.expected) then
		local slot = item.user or "";
		local group = groups[slot];
		if group == nil then
			group = { user = item.user, keys = {}, items = {} };
			groups[slot] = group;
			order[#order + 1] = group;
		end
		group.keys[item.key] = store.remove;
		group.items[#group.items + 1] = i;
		outcomes[i] = "removed";
	else
		outcomes[i] = "changed";
	end
end

local errors = {};
for _, group in ipairs(order) do
	if next(group.keys) ~= nil then
		local ok, err = store:set_keys(group.user, group.keys);
		if not ok then
			errors[#errors + 1] = tostring(err);
			for _, i in ipairs(group.items) do
				outcomes[i] = "failed";
			end
		end
	end
end
return answer({ outcomes = literal(outcomes), errors = literal(errors) });
