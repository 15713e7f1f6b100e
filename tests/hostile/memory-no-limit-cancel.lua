-- Without a limit, growing strings: the cancel stops it.
-- expect: cancelled after 100
local t, i = {}, 0
while true do
  i = i + 1
  if i % 256 == 0 then t[#t + 1] = tostring(i) end
end
