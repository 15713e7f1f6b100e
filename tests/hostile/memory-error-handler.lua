-- A message handler that allocates without end.
-- expect: ok
-- memory-limit: 8388608
local ok, err = xpcall(error, function(e)
  local t = {}
  while true do t[#t + 1] = {} end
end, "boom")
return ok
