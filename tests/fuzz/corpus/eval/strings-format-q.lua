return string.format("%q %q %q %q %q", 1/0, -1/0, 0/0, math.mininteger, "\0\r\n\255")
