-- expect: error RUNTIME /error object is a table value/
error({ code = 42 })
