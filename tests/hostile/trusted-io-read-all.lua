-- Standard input stays refused even with every library.
-- expect: error RUNTIME /standard input is not available in an isle/
-- libraries: all
return io.read("a")
