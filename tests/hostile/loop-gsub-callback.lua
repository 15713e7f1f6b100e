-- expect: cancelled after 100
return string.gsub("abc", "%w", function() while true do end end)
