-- Catching every cancel with debug.traceback as the handler, the one
-- handler GIsle runs unguarded: it must hand the cancel back untouched.
-- expect: cancelled after 100
-- libraries: all
while true do
  xpcall(function() while true do end end, debug.traceback)
end
