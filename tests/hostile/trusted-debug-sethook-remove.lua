-- With the debug library, removing every hook does not stop the cancel.
-- expect: cancelled after 100
-- libraries: all
debug.sethook()
while true do end
