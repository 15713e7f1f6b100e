-- A numeric for with bounds it will never reach.
-- expect: cancelled after 100
for i = 1, math.maxinteger do end
