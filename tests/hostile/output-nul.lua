-- NUL bytes in output.
-- expect: ok
-- stdout: /^before/
io.write("before\0after\n")
print("x\0y")
return 1
