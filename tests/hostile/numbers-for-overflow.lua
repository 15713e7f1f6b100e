-- A for loop near maxinteger must not wrap around into an endless loop.
-- expect: ok
-- result: (int64 11,)
local n = 0
for i = math.maxinteger - 10, math.maxinteger do n = n + 1 end
for i = math.mininteger, math.mininteger + 2, -1 do n = n + 1 end
return n
