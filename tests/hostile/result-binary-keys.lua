-- Keys that are not valid UTF-8, NUL in keys, float and boolean keys.
-- expect: ok
-- result-type: (a(vv))
return { ["\xff"] = 1, ["a\0b"] = 2, [1.5] = 3, [true] = 4, [0/0 == 0/0] = 5 }
