-- expect: error RUNTIME /cannot close standard file/
-- libraries: all
io.close()
