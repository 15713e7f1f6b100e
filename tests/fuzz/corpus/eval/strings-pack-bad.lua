return string.pack("i17", 1)
