-- Integer division by zero. Lua 5.4.4 words it "attempt to divide by zero"
-- (only the modulo says "attempt to perform 'n%%0'").
-- expect: error RUNTIME /attempt to divide by zero|attempt to perform 'n\/\/0'/
local zero = 0
return 1 // zero
