-- expect: error RUNTIME /os.exit is not available in an isle/
-- libraries: all
os.exit(0)
