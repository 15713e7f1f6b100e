-- expect: error RUNTIME /os.exit is not available in an isle/
os.exit(1)
