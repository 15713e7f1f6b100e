-- Coroutines resuming coroutines, about 200 deep: C stack overflow.
-- expect: error RUNTIME /C stack overflow/
local function f(n)
  local co = coroutine.wrap(function() return f(n + 1) end)
  return co()
end
return f(1)
