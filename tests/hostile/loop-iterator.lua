-- A generic for over an iterator that never ends.
-- expect: cancelled after 100
for i in function(_, i) return (i or 0) + 1 end do end
