-- Every resume returns false with the cancel; the loop makes a new one.
-- expect: cancelled after 100
while true do
  local co = coroutine.create(function() while true do end end)
  local ok, err = coroutine.resume(co)
end
