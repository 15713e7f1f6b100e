local co = coroutine.wrap(function()
  setmetatable({}, { __gc = function() coroutine.yield() end })
  collectgarbage()
  return "done"
end)
return co()
