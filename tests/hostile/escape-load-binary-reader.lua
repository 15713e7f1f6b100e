-- Nor does feeding the signature byte by byte from a reader.
-- expect: error RUNTIME /attempt to load a binary chunk/
local pieces = { "\27", "L", "u", "a", "\84", "\0" }
local i = 0
local f, err = load(function() i = i + 1 return pieces[i] end, "=r", "bt")
assert(f == nil)
error(err, 0)
