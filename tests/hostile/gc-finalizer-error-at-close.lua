-- Finalizers that raise when the state is closed (after the job).
-- expect: ok
_G.keep = {}
for i = 1, 100 do
  keep[i] = setmetatable({}, { __gc = function() error("at close " .. i) end })
end
return 1
