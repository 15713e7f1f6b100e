-- Installing a hook of its own (that does nothing) in place of GIsle's.
-- expect: cancelled after 100
-- libraries: all
local function nothing() end
while true do
  debug.sethook(nothing, "crl", 1)
  for i = 1, 100 do end
end
