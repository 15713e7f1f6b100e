-- Catches the cancel and raises something else, again and again.
-- expect: cancelled after 100
local function loop()
  local ok = pcall(function() while true do end end)
  return loop()
end
return loop()
