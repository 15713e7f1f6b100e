for _, opt in ipairs({ "stop", "restart", "incremental", "generational", "setpause", "setstepmul" }) do
  local ok, err = pcall(collectgarbage, opt, 1000)
  assert(not ok and err:find("is not allowed in an isle"), opt)
end
assert(not pcall(collectgarbage, "bogus"))
collectgarbage("collect")
collectgarbage("step", 1000000)
return collectgarbage("isrunning") and collectgarbage("count") > 0
