-- expect: error CONVERSION /a function cannot leave the isle/
return print
