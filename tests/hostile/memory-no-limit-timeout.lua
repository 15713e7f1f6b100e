-- Without a limit a slow memory bomb is stopped by its time limit (it
-- stays far below exhausting the machine in that time).
-- expect: timeout
-- timeout: 100
local t, i = {}, 0
while true do
  i = i + 1
  if i % 64 == 0 then t[#t + 1] = {} end
end
