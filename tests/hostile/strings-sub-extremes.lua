-- expect: ok
-- result: ('abc', '', 'c')
return ("abc"):sub(math.mininteger, math.maxinteger), ("abc"):sub(math.maxinteger), ("abc"):sub(-1)
