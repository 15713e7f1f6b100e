-- A tail call that grows its varargs each time: quadratic work before the
-- stack limit would end it.
-- expect: cancelled after 200
local function f(...) return f(1, 2, 3, 4, 5, 6, 7, 8, ...) end
return f()
