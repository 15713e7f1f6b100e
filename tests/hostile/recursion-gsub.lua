-- string.gsub callbacks that call gsub again: the C stack fills up.
-- expect: error RUNTIME /C stack overflow|stack overflow/
local function f(s) return (string.gsub(s, ".", f)) end
return f("a")
