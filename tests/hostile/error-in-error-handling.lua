-- A message handler that fails: "error in error handling".
-- expect: ok
-- result: (false,)
local ok = xpcall(error, function() error("again") end, "boom")
return ok
