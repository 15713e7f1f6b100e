-- expect: error CONVERSION /cycle/
local t = {}
t.self = t
return t
