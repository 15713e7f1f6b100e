-- The largest limit the corpus allows (256 MiB): reached, and survived.
-- expect: error MEMORY
-- memory-limit: 268435456
local t = {}
local chunk = string.rep("b", 1024 * 1024 - 64)
while true do t[#t + 1] = chunk .. #t end
