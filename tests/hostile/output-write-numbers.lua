-- io.write with numbers at their extremes.
-- expect: ok
-- stdout: /^-9223372036854775808 inf -nan|^-9223372036854775808 inf nan/
io.write(math.mininteger, " ", math.huge, " ", 0/0, " ", -0.0, " ", 1e308, "\n")
return 1
