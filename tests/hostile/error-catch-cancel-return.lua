-- Catches the cancel and returns normally: still a cancel.
-- expect: cancelled after 100
local ok = pcall(function() while true do end end)
return "I got away"
