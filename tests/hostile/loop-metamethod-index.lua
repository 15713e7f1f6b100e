-- expect: cancelled after 100
local t = setmetatable({}, { __index = function() while true do end end })
return t.anything
