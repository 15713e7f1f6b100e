-- Conversions at the edges.
-- expect: ok
-- result: (true, true, true, true)
return math.tointeger(2^63) == nil, math.tointeger(-2^63) == math.mininteger,
       math.floor(-0.0) == 0, ("0x7fffffffffffffff" + 1) == math.mininteger
