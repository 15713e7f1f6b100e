-- A hook that swallows errors with pcall.
-- expect: cancelled after 100
-- libraries: all
debug.sethook(function() pcall(function() end) end, "l")
while true do pcall(function() while true do end end) end
