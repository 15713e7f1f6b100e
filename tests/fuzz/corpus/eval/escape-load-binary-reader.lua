local pieces = { "\27", "L", "u", "a", "\84", "\0" }
local i = 0
local f, err = load(function() i = i + 1 return pieces[i] end, "=r", "bt")
assert(f == nil)
error(err, 0)
