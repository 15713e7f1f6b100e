-- Results are converted after the script returns; a value close to the
-- limit still crosses.
-- expect: ok
-- memory-limit: 16777216
-- result-type: (av)
local t = {}
for i = 1, 200000 do t[i] = i end
return t
