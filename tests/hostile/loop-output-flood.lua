-- Prints faster than anyone reads: the output wait must not stop the cancel.
-- expect: cancelled after 200
local line = string.rep("spam ", 200)
while true do print(line) end
