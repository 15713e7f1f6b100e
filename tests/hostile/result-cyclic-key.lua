-- A table used as its own key.
-- expect: error CONVERSION /cycle/
local t = {}
t[t] = true
return t
