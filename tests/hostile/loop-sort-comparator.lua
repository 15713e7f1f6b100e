-- expect: cancelled after 100
local t = {}
for i = 1, 100 do t[i] = 100 - i end
table.sort(t, function(a, b) while true do end end)
