-- Coroutines created before the cancel, bounced between forever: each one
-- must be armed when it is resumed again.
-- expect: cancelled after 100
local cos = {}
for i = 1, 50 do
  cos[i] = coroutine.create(function()
    while true do
      for _ = 1, 1000 do end
      coroutine.yield()
    end
  end)
end
while true do
  for i = 1, #cos do coroutine.resume(cos[i]) end
end
