-- expect: error MEMORY
-- memory-limit: 8388608
return string.rep("x", 1 << 30)
