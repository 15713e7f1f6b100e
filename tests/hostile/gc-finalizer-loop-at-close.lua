-- A finalizer that never returns, left for lua_close(): the job itself
-- ends normally, but closing the isle afterwards must still return within
-- the hard deadline (the thread is abandoned).
-- expect: ok
-- order: last
_G.trap = setmetatable({}, { __gc = function() while true do end end })
return 1
