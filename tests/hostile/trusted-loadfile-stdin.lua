-- loadfile() without a name would read stdin.
-- expect: error RUNTIME /standard input is not available in an isle/
-- libraries: all
return loadfile()
