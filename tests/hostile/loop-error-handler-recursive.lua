-- A message handler that raises again, forever.
-- expect: cancelled after 100
local function handler(e) error(e) end
while true do
  xpcall(function() while true do end end, handler)
end
