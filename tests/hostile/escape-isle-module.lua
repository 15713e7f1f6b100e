-- GIsle's own module is an ordinary table; breaking it hurts only the script.
-- expect: ok
if isle then
  for k in pairs(isle) do isle[k] = nil end
end
return 1
