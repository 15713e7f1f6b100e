-- As many results as the Lua stack allows.
-- expect: ok
local t = {}
for i = 1, 100000 do t[i] = i end
return table.unpack(t)
