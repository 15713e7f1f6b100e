-- expect: error RUNTIME /wrong number of arguments/
return math.random(1, 2, 3)
