-- expect: error RUNTIME /attempt to call a nil value \(field 'open'\)/
return io.open("/etc/passwd")
