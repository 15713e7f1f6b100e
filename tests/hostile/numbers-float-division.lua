-- Float division by zero is fine.
-- expect: ok
-- result: (inf, -inf, true, 0.0, true)
local zero = 0
local nan = 0 / zero
return 1 / zero, -1 / zero, nan ~= nan, math.mininteger % -1 + 0.0, 1.0 // 0 == math.huge
