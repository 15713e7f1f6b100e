-- An error message of 8 MiB, under a memory limit.
-- expect: error RUNTIME /^xxxxxxxx/
-- memory-limit: 67108864
error(string.rep("x", 8 * 1024 * 1024), 0)
