-- Integers at their limits and special floats.
-- expect: ok
-- result: (int64 -9223372036854775808, int64 9223372036854775807, -0.0, inf, -inf)
return math.mininteger, math.maxinteger, -0.0, math.huge, -math.huge
