-- A function called with g_isle_call() that never returns.
-- expect: cancelled after 100
-- call: spin
function spin() while true do pcall(spin) end end
