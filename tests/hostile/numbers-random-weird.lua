-- math.random with odd arguments: the valid ones work.
-- expect: ok
-- result: (true,)
local a = math.random(0)
local b = math.random(math.mininteger, math.maxinteger)
local c = math.random(3, 3)
math.randomseed(math.maxinteger, math.mininteger)
math.randomseed()
local d = math.random(-1, -1)
return math.type(a) == "integer" and c == 3 and d == -1
