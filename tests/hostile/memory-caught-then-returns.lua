-- The memory error is caught; the script then returns normally.
-- expect: ok
-- result: (false, 'not enough memory')
-- memory-limit: 8388608
local ok, err = pcall(function()
  local t = {}
  while true do t[#t + 1] = {} end
end)
return ok, err
