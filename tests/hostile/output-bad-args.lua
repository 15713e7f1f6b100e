-- io.write with a table: the usual argument error.
-- expect: error RUNTIME /bad argument #1 to 'write'/
io.write({})
