-- expect: error MEMORY
-- memory-limit: 8388608
local s = "x"
while true do s = s .. s end
