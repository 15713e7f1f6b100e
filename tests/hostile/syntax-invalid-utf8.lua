-- A syntax error whose message quotes a string with bytes that are not
-- UTF-8 ("near '"\xff..."): the message must still be valid UTF-8.
-- expect: error RUNTIME /invalid escape sequence/
local f, err = load('return "\xff\xfe \\P"')
error(err, 0)
