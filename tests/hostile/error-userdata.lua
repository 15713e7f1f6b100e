-- A userdata with a __tostring: its text is the message.
-- expect: error RUNTIME /file \(stdout\)/
error(io.stdout)
