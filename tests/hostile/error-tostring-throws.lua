-- The error object's __tostring raises: GIsle must not lose the job.
-- expect: error RUNTIME /__tostring failed/
error(setmetatable({}, { __tostring = function() error("nested boom") end }))
