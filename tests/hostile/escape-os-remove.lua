-- expect: error RUNTIME /attempt to call a nil value \(field 'remove'\)/
return os.remove("/tmp/anything")
