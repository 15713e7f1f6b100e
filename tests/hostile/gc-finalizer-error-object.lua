-- A finalizer that raises a table whose __tostring raises too.
-- expect: ok
setmetatable({}, { __gc = function()
  error(setmetatable({}, { __tostring = function() error("again") end }))
end })
collectgarbage()
return 1
