-- expect: error MEMORY
-- memory-limit: 8388608
local t = {}
for i = 1, math.maxinteger do t[i] = i end
