-- expect: error RUNTIME /error object is a function value/
error(print)
