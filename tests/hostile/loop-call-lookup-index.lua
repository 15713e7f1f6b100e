-- g_isle_call() looks the function up through _G's __index, which never
-- returns. That lookup is script code too: the cancel must stop it.
-- expect: cancelled after 100
-- call: missing_function
-- order: last
setmetatable(_G, { __index = function() while true do end end })
