-- expect: error RUNTIME /error object is a thread value/
error(coroutine.create(print))
