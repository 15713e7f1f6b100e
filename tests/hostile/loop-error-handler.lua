-- The message handler loops when called for an ordinary error.
-- expect: cancelled after 100
return xpcall(error, function() while true do end end, "boom")
