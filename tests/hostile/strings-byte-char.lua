-- expect: error RUNTIME /value out of range/
return string.char(256)
