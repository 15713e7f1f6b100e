-- string.pack with a size beyond the limits.
-- expect: error RUNTIME /out of limits|invalid format/
return string.pack("i17", 1)
