local function f(s) return (string.gsub(s, ".", f)) end
return f("a")
