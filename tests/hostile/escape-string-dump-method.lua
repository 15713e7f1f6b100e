-- Not through the string metatable either.
-- expect: ok
-- result: (true, true)
return ("").dump == nil, getmetatable("").__index.dump == nil
