-- __index chains are followed in a loop, up to a limit (MAXTAGLOOP).
-- expect: error RUNTIME /'__index' chain too long/
local t = {}
for i = 1, 5000 do t = setmetatable({}, { __index = t }) end
return t.missing
