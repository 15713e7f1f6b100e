-- print with as many arguments as the stack allows.
-- expect: ok
local t = {}
for i = 1, 200000 do t[i] = i end
print(table.unpack(t))
return 1
