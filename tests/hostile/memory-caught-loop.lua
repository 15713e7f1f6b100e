-- Running into the limit again and again inside pcall: only a cancel ends
-- it.
-- expect: cancelled after 200
-- memory-limit: 8388608
while true do
  pcall(function()
    local t = {}
    while true do t[#t + 1] = {} end
  end)
end
