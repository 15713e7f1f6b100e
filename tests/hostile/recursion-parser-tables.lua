-- Deeply nested table constructors.
-- expect: error RUNTIME /overflow|too many|syntax levels/
local src = "return " .. string.rep("{", 100000) .. string.rep("}", 100000)
assert(load(src))
