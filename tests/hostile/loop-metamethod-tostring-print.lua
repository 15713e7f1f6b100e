-- print calls __tostring, which never returns.
-- expect: cancelled after 100
print(setmetatable({}, { __tostring = function() while true do end end }))
