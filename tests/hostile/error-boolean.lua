-- expect: error RUNTIME /error object is a boolean value/
error(false)
