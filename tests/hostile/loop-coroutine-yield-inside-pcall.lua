-- A coroutine that yields from inside pcall and is resumed forever.
-- expect: cancelled after 100
local co = coroutine.wrap(function()
  while true do
    pcall(function()
      while true do coroutine.yield() end
    end)
  end
end)
while true do pcall(co) end
