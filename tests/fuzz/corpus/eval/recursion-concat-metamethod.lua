local mt = {}
mt.__concat = function(a, b) return setmetatable({}, mt) .. a end
return setmetatable({}, mt) .. "x"
