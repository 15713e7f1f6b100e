-- Calling the stream methods on something that is not a stream.
-- expect: error RUNTIME /FILE\* expected/
local write = io.stdout.write
write(setmetatable({}, getmetatable(io.stdout)), "x")
