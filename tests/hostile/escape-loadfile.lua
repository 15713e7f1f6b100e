-- expect: error RUNTIME /attempt to call a nil value \(global 'loadfile'\)/
return loadfile("/etc/passwd")
