-- The same nesting with coroutine.resume: the error comes back as a value.
-- expect: ok
-- result: (true,)
local depth = 0
local function f(n)
  depth = math.max(depth, n)
  local co = coroutine.create(function() return f(n + 1) end)
  local ok, err = coroutine.resume(co)
  if not ok then error(err, 0) end
  return err
end
local ok, err = pcall(f, 1)
return not ok and depth > 100 and depth < 300 and tostring(err):find("stack overflow") ~= nil
