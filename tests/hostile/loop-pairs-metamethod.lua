-- expect: cancelled after 100
local t = setmetatable({}, { __pairs = function() while true do end end })
for k in pairs(t) do end
