-- Shifts by huge amounts.
-- expect: ok
-- result: (int64 0, int64 0, int64 1)
return 1 << 64, 1 >> math.mininteger, 1 << 0
