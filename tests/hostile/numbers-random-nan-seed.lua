-- expect: error RUNTIME /number has no integer representation|bad argument/
math.randomseed(0/0)
