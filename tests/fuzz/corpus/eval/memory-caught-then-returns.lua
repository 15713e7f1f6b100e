local ok, err = pcall(function()
  local t = {}
  while true do t[#t + 1] = {} end
end)
return ok, err
