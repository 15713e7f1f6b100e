-- %s of a long string with a width, and %99s.
-- expect: ok
-- memory-limit: 33554432
local s = string.rep("s", 4 * 1024 * 1024)
return #string.format("%s%99s%-99s", s, "a", "b")
