-- expect: error RUNTIME /collectgarbage\('stop'\) is not allowed in an isle/
collectgarbage("stop")
