-- expect: error RUNTIME /^42/
error(42, 0)
