-- An error object whose __tostring never returns (GIsle calls it to build
-- the message): the cancel must still end the job.
-- expect: cancelled after 100
error(setmetatable({}, { __tostring = function() while true do end end }))
