-- isle.sleep wakes at once on cancel, even when pcall catches it again
-- and again.
-- expect: cancelled after 100
while true do pcall(isle.sleep, 3600) end
