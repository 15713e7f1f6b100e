-- A text chunk loaded with mode "b" is refused, as plain Lua refuses it;
-- binary chunks stay refused whatever the mode (see escape-load-bytecode*).
-- expect: ok
-- result: ('nil', "attempt to load a text chunk (mode is 'b')")
local f, e = load("return 7", "x", "b")
return tostring(f), e
