-- expect: cancelled after 100
local t = setmetatable({}, { __call = function() while true do end end })
return t()
