-- Deep nesting through table keys.
-- expect: error CONVERSION /nested deeper than/
local t = {}
for i = 1, 1000 do t = { [t] = true } end
return t
