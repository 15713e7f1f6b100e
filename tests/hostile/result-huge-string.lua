-- A 32 MiB string result.
-- expect: ok
-- result-type: (s)
-- memory-limit: 134217728
return string.rep("z", 32 * 1024 * 1024)
