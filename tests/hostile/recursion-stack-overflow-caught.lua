-- The stack overflow is caught, and the isle answers afterwards.
-- expect: ok
-- result: (false, true)
local function f(n) return 1 + f(n + 1) end
local ok, err = pcall(f, 1)
return ok, tostring(err):find("stack overflow") ~= nil
