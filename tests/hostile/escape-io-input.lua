-- expect: error RUNTIME /standard input is not available in an isle/
return io.input()
