-- Warnings never wait; they are dropped past a backlog.
-- expect: cancelled after 200
local chunk = string.rep("w", 65536)
while true do warn(chunk) end
