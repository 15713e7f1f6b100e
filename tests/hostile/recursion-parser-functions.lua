-- Deeply nested function bodies.
-- expect: error RUNTIME /overflow|too many|syntax levels/
local src = string.rep("return function() ", 10000) .. string.rep("end ", 10000)
assert(load(src))
