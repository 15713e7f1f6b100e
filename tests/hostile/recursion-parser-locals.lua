-- More local variables than a function may have.
-- expect: error RUNTIME /too many local variables/
local names = {}
for i = 1, 300 do names[i] = "v" .. i end
assert(load("local " .. table.concat(names, ",")))
