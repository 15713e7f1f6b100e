-- utf8 functions on invalid input.
-- expect: ok
-- result: (true,)
local n, pos = utf8.len("abc\xff")
assert(n == nil and pos == 4)
assert(utf8.len("\xed\xa0\x80") == nil)
assert(utf8.len("\xed\xa0\x80", 1, -1, true) == 1)
assert(not pcall(utf8.codepoint, "\xff"))
assert(not pcall(utf8.char, -1))
assert(utf8.char(0x7FFFFFFF) ~= nil)
assert(not pcall(function() for _ in utf8.codes("a\xffb") do end end))
assert(utf8.offset("a\xffb", 3) ~= nil or true)
return true
