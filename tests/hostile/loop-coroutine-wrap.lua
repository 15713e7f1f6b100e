-- expect: cancelled after 100
coroutine.wrap(function() while true do end end)()
