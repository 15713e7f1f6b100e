-- io.output(io.stdout) goes back to the captured stream.
-- expect: ok
-- stdout: /^captured$/
-- libraries: all
local name = os.tmpname()
io.output(name)
io.write("to the file")
io.output(io.stdout)
io.write("captured")
os.remove(name)
return 1
