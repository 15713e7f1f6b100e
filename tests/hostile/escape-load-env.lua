-- load with an explicit nil environment.
-- expect: error RUNTIME /attempt to index a nil value/
local f = assert(load("return print", "x", "t", nil))
return f()
