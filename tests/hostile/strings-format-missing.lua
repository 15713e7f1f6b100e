-- expect: error RUNTIME /bad argument #2 to 'format' \(no value\)/
return string.format("%d")
