-- Building a huge string through string.format.
-- expect: error MEMORY
-- memory-limit: 8388608
local s = "f"
while true do s = string.format("%s%s", s, s) end
