-- Asking for mode "b" does not help.
-- expect: error RUNTIME /attempt to load a binary chunk/
local f, err = load("\27Lua\84\0", "x", "b")
assert(f == nil)
error(err, 0)
