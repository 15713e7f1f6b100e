-- Text loads even when the caller says "b" (the mode is forced to "t").
-- expect: ok
-- result: (int64 7,)
return load("return 7", "x", "b")()
