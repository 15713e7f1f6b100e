-- The message handler loops when called for the cancel itself (Lua runs it
-- with hooks disabled): it must be skipped.
-- expect: cancelled after 100
while true do
  xpcall(function() while true do end end, function() while true do end end)
end
