-- expect: error RUNTIME /number has no integer representation/
return 2^63 | 0
