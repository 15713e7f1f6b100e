-- gsub with a table whose __index never returns.
-- expect: cancelled after 100
local t = setmetatable({}, { __index = function() while true do end end })
return string.gsub("abc", "%w", t)
