-- expect: error RUNTIME /invalid conversion/
return string.format("%y", 1)
