-- setlocale would change number parsing for the whole host process.
-- expect: error RUNTIME /attempt to call a nil value \(field 'setlocale'\)/
return os.setlocale("C")
