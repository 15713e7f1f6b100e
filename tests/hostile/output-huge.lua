-- 10 MiB of output in 1 KiB lines: all of it arrives, the script waits
-- when the host falls behind.
-- expect: ok
-- output-min: 10485760
local line = string.rep("x", 1023)
for i = 1, 10240 do print(line) end
return 1
