-- expect: error RUNTIME /invalid conversion/
return string.format("%.99999f", 1)
