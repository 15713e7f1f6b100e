-- expect: error MEMORY
-- memory-limit: 8388608
local t = {}
for i = 1, 1000 do t[i] = string.rep("c", 1000) end
local s = ""
while true do s = table.concat(t, s) end
