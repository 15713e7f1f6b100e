-- expect: cancelled after 100
local t = setmetatable({}, { __concat = function() while true do end end })
return t .. "x"
