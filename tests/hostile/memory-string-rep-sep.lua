-- string.rep with a separator, too large for any memory.
-- expect: error RUNTIME /resulting string too large/
-- memory-limit: 8388608
return string.rep("xx", math.maxinteger // 2, "yy")
