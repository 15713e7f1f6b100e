-- One 16 MiB write, bigger than the output high-water mark.
-- expect: ok
-- output-min: 16777216
io.write(string.rep("y", 16 * 1024 * 1024))
return 1
