-- Every byte value: the output signal still carries valid UTF-8.
-- expect: ok
local bytes = {}
for i = 1, 255 do bytes[i] = string.char(i) end
local s = table.concat(bytes)
io.write(s)
io.stderr:write(s)
print(s)
warn(s)
return #s
