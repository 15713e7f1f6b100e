-- table.concat reads through __index: here a chain 1000 tables deep,
-- walked for every item (Lua's limit on such chains is 2000).
-- expect: ok
-- result: ('a,b,c',)
local t = { "a", "b", "c" }
for i = 1, 1000 do t = setmetatable({}, { __index = t }) end
return table.concat(t, ",", 1, 3)
