-- A finalizer that raises: Lua turns it into a warning, the job goes on.
-- expect: ok
-- warning: /error in __gc.*finalizer boom/
setmetatable({}, { __gc = function() error("finalizer boom") end })
collectgarbage()
return 1
