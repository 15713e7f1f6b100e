-- No debug library in the safe set.
-- expect: error RUNTIME /attempt to index a nil value \(global 'debug'\)/
debug.sethook()
