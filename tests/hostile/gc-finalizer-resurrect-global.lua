-- Resurrected into a global, with a finalizer that re-arms itself: lives
-- on into later jobs and finally into lua_close().
-- expect: ok
local mt = {}
mt.__gc = function(o) _G.zombie = o setmetatable(o, mt) end
setmetatable({}, mt)
collectgarbage()
collectgarbage()
return zombie ~= nil
