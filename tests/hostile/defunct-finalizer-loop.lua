-- A finalizer that never returns: Lua runs finalizers with hooks disabled,
-- so nothing can interrupt it. The call must still end at the hard
-- deadline, and the isle must become defunct.
-- expect: defunct after 100
setmetatable({}, { __gc = function() while true do end end })
collectgarbage()
