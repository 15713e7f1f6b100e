-- Poisoning the string metatable with an endless __index.
-- expect: cancelled after 100
getmetatable("").__index = function() while true do end end
return ("x"):upper()
