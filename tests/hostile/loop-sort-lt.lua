-- table.sort without a comparator uses __lt, which loops.
-- expect: cancelled after 100
local mt = { __lt = function() while true do end end }
local t = {}
for i = 1, 10 do t[i] = setmetatable({}, mt) end
table.sort(t)
