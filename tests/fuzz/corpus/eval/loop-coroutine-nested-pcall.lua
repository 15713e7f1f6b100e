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
