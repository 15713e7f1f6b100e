-- Deeply nested parentheses: the parser's own C-stack limit.
-- expect: error RUNTIME /overflow|too many|syntax levels/
local src = "return " .. string.rep("(", 100000) .. "1" .. string.rep(")", 100000)
assert(load(src))
