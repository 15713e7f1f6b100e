-- expect: cancelled after 100
local t = setmetatable({}, { __add = function() while true do end end })
return t + 1
