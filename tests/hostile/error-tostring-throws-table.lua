-- __tostring raises a table, whose own __tostring raises.
-- expect: error RUNTIME /__tostring failed/
local evil = setmetatable({}, { __tostring = function() error({}) end })
error(setmetatable({}, { __tostring = function() error(evil) end }))
