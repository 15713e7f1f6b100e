-- expect: error RUNTIME /attempt to perform 'n%0'/
local zero = 0
return 1 % zero
