-- expect: error RUNTIME /attempt to call a nil value \(field 'popen'\)/
return io.popen("echo pwned")
