setmetatable({}, { __gc = function() error("finalizer boom") end })
collectgarbage()
return 1
