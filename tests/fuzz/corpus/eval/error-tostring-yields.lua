error(setmetatable({}, { __tostring = function() coroutine.yield() end }))
