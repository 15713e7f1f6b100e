-- Four million values pushed on the Lua stack at once.
-- expect: error RUNTIME /string slice too long|stack overflow/
-- memory-limit: 67108864
return select("#", string.byte(string.rep("x", 1 << 22), 1, -1))
