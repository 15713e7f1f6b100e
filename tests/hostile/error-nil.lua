-- expect: error RUNTIME /error object is a nil value/
error(nil)
