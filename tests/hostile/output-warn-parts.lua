-- A warning in many parts, and control messages.
-- expect: ok
-- warning: /^abc/
local parts = {}
for i = 1, 1000 do parts[i] = "abc" end
warn(table.unpack(parts))
warn("@off")
warn("hidden")
warn("@on")
warn("@nonsense")
return 1
