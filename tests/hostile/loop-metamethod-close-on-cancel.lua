-- The soft cancel closes the variable; its __close then loops: the hard
-- cancel must still stop it.
-- expect: cancelled after 100
local x <close> = setmetatable({}, { __close = function() while true do end end })
while true do end
