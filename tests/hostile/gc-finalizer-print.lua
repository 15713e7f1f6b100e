-- A finalizer that prints (output from inside the collector).
-- expect: ok
-- stdout: /from the finalizer/
for i = 1, 100 do
  setmetatable({}, { __gc = function() print("from the finalizer", i) end })
end
collectgarbage()
return 1
