-- expect: error RUNTIME /attempt to call a nil value \(global 'dofile'\)/
return dofile()
