-- A million items cross as one array.
-- expect: ok
-- result-type: (av)
local t = {}
for i = 1, 1000000 do t[i] = i end
return t
