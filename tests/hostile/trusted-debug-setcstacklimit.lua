-- A deprecated knob that must not change the C-stack limit.
-- expect: error RUNTIME /stack overflow/
-- libraries: all
if debug.setcstacklimit then debug.setcstacklimit(1000000) end
local function f(s) return (string.gsub(s, ".", f)) end
return f("a")
