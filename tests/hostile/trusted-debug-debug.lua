-- debug.debug reads standard input: refused.
-- expect: error RUNTIME /debug.debug is not available in an isle/
-- libraries: all
debug.debug()
