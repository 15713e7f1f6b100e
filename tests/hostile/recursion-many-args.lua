-- Recursion that also piles ever more arguments on the Lua stack.
-- expect: error RUNTIME /stack overflow/
local function f(...)
  local r = f(1, 2, 3, 4, 5, 6, 7, 8, ...)
  return r
end
return f()
