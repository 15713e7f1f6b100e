-- expect: error RUNTIME /number has no integer representation/
return math.random(1.5)
