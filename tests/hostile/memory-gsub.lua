-- gsub that multiplies its input.
-- expect: error MEMORY
-- memory-limit: 8388608
local s = string.rep("a", 1000)
while true do s = s:gsub("a", "aa") end
