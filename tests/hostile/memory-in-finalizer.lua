-- A finalizer that runs out of memory: a warning, the job goes on.
-- expect: ok
-- memory-limit: 8388608
-- warning: /error in __gc|not enough memory/
setmetatable({}, { __gc = function()
  local t = {}
  while true do t[#t + 1] = string.rep("g", 100) .. #t end
end })
collectgarbage()
return 1
