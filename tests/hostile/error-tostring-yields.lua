-- __tostring that yields, called from GIsle's message handler.
-- expect: error RUNTIME /__tostring failed|yield/
error(setmetatable({}, { __tostring = function() coroutine.yield() end }))
