-- A __concat that concatenates again: a deep structure built out of
-- metamethod calls.
-- expect: error RUNTIME /stack overflow/
local mt = {}
mt.__concat = function(a, b) return setmetatable({}, mt) .. a end
return setmetatable({}, mt) .. "x"
