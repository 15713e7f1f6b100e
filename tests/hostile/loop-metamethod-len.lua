-- expect: cancelled after 100
local t = setmetatable({}, { __len = function() while true do end end })
return #t
