-- The classic trap: pcall swallows each error and loops again.
-- expect: cancelled after 100
while true do pcall(function() while true do end end) end
