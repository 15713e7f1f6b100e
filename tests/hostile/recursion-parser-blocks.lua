-- Deeply nested blocks.
-- expect: error RUNTIME /overflow|too many|syntax levels/
local src = string.rep("do ", 100000) .. string.rep("end ", 100000)
assert(load(src))
