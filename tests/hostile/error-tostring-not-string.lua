-- __tostring returning something else than a string.
-- expect: error RUNTIME /__tostring failed|must return a string/
error(setmetatable({}, { __tostring = function() return {} end }))
