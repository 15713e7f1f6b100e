-- load() with a reader function that never ends its chunk.
-- expect: cancelled after 100
return load(function() return " " end)
