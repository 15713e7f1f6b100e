-- Not even the real stdin, found through the registry.
-- expect: error RUNTIME /closed file|standard input/
-- libraries: all
local reg = debug.getregistry()
return reg._IO_input:read("l")
