-- load() with a reader that loops itself.
-- expect: cancelled after 100
return load(function() while true do end end)
