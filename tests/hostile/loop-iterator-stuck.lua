-- The iterator function itself never returns.
-- expect: cancelled after 100
for i in function() while true do end end do end
