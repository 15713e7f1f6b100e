-- collectgarbage from inside a finalizer (Lua refuses; GIsle returns fail).
-- expect: ok
setmetatable({}, { __gc = function() collectgarbage() collectgarbage("step") end })
collectgarbage()
collectgarbage()
return 1
