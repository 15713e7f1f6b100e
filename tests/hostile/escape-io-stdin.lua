-- expect: ok
-- result: (true,)
return io.stdin == nil
