-- The registry's handles on the process's real streams are closed.
-- expect: error RUNTIME /closed file|attempt to use a closed file/
-- libraries: all
local reg = debug.getregistry()
local out = reg._IO_output
out:write("escaped to the real stdout\n")
