-- Ephemeron tables with finalizers and resurrection.
-- expect: ok
local weak = setmetatable({}, { __mode = "k" })
for i = 1, 1000 do
  local k = setmetatable({}, { __gc = function(o) weak[o] = o end })
  weak[k] = { k }
end
collectgarbage()
collectgarbage()
return 1
