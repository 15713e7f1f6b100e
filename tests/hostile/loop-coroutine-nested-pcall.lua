-- coroutine.wrap inside pcall inside a coroutine, all of them trying to
-- swallow the cancel.
-- expect: cancelled after 100
local outer = coroutine.create(function()
  while true do
    pcall(function()
      local inner = coroutine.wrap(function()
        while true do pcall(function() while true do end end) end
      end)
      while true do pcall(inner) end
    end)
  end
end)
while true do coroutine.resume(outer) end
