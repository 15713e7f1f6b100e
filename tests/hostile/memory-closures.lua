-- expect: error MEMORY
-- memory-limit: 8388608
local fs = {}
while true do
  local n = #fs
  fs[n + 1] = function() return n end
end
