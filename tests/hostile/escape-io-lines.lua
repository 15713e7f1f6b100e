-- expect: error RUNTIME /standard input is not available in an isle/
for line in io.lines() do end
