local function f(n)
  local co = coroutine.wrap(function() return f(n + 1) end)
  return co()
end
return f(1)
