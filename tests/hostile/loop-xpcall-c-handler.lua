-- Catching every cancel with a C handler that would turn the cancel into
-- a string (tostring): still stopped in the hard phase.
-- expect: cancelled after 100
while true do
  xpcall(function() while true do end end, tostring)
end
