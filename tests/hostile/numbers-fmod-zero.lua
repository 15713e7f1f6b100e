-- expect: error RUNTIME /bad argument #2 to 'fmod' \(zero\)/
return math.fmod(1, 0)
