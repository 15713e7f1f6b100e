-- expect: cancelled after 200
local chunk = string.rep("e", 65536)
while true do io.stderr:write(chunk) end
