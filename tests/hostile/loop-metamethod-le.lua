-- expect: cancelled after 100
local mt = { __le = function() while true do end end }
local a, b = setmetatable({}, mt), setmetatable({}, mt)
return a <= b
