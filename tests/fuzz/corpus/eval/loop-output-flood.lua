local line = string.rep("spam ", 200)
while true do print(line) end
