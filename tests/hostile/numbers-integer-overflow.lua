-- Integer arithmetic wraps around.
-- expect: ok
-- result: (true, true, true, true)
return math.maxinteger + 1 == math.mininteger,
       math.mininteger - 1 == math.maxinteger,
       math.mininteger // -1 == math.mininteger,
       math.abs(math.mininteger) == math.mininteger
