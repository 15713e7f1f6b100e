-- A cycle through many tables.
-- expect: error CONVERSION /cycle/
local first = {}
local t = first
for i = 1, 50 do t.next = {} t = t.next end
t.next = first
return first
