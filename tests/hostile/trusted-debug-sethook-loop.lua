-- Removing the hook again and again, in a loop and in coroutines.
-- expect: cancelled after 100
-- libraries: all
local co = coroutine.wrap(function()
  while true do debug.sethook() coroutine.yield() end
end)
while true do
  debug.sethook()
  debug.sethook(coroutine.running(), nil)
  co()
end
