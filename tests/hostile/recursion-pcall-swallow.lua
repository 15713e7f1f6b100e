-- Deeply nested pcall whose innermost failure is swallowed: ends normally.
-- expect: ok
local function f(n) return pcall(f, n + 1) end
f(1)
return 1
