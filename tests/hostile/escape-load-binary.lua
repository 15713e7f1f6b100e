-- A hand-made binary chunk is refused.
-- expect: error RUNTIME /attempt to load a binary chunk/
local f, err = load("\27Lua\84\0\25\147\13\10\26\10\4\8\8\120\86\0\0\0\0\0\0\0\0\0\0\0\40\119\64\1")
assert(f == nil)
error(err, 0)
