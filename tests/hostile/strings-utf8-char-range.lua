-- expect: error RUNTIME /value out of range/
return utf8.char(0x80000000)
