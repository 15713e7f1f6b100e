-- A float for loop to infinity, with a step too small to matter.
-- expect: cancelled after 100
for x = 0, math.huge, 1e-300 do end
