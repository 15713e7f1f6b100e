-- A tail call never grows the stack: an endless loop made of calls.
-- expect: cancelled after 100
local function f(n) return f(n + 1) end
return f(0)
