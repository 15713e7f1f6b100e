-- __index that indexes itself again (not a tail call): every level nests
-- a C call, so Lua's C-stack limit stops it.
-- expect: error RUNTIME /C stack overflow/
local mt = {}
local t = setmetatable({}, mt)
mt.__index = function(self, k) return self[k .. ""] end
return t.x
