error(setmetatable({}, { __tostring = function() error("nested boom") end }))
