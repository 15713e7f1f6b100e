-- expect: ok
-- result: ('',)
return string.rep("x", math.mininteger)
