-- Finalizers that allocate objects with finalizers, for a while.
-- expect: ok
-- memory-limit: 16777216
local count = 0
local mt = {}
mt.__gc = function()
  count = count + 1
  if count < 10000 then setmetatable({}, mt) end
end
setmetatable({}, mt)
for i = 1, 200 do collectgarbage("step") end
collectgarbage()
return 1
