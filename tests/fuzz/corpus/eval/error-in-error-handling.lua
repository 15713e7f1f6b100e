local ok = xpcall(error, function() error("again") end, "boom")
return ok
