-- Coroutines are Lua states of their own: they count against the limit.
-- expect: error MEMORY
-- memory-limit: 8388608
local cos = {}
while true do cos[#cos + 1] = coroutine.create(print) end
