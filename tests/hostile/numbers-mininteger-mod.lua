-- expect: ok
-- result: (int64 0, int64 0, int64 -9223372036854775808)
return math.mininteger % -1, math.fmod(math.mininteger, -1), math.mininteger * -1
