-- A finalizer that tries to yield.
-- expect: ok
-- warning: /error in __gc/
local co = coroutine.wrap(function()
  setmetatable({}, { __gc = function() coroutine.yield() end })
  collectgarbage()
  return "done"
end)
return co()
