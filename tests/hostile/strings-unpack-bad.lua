-- string.unpack past the end of its data.
-- expect: error RUNTIME /data string too short|out of string/
return string.unpack("i8", "abc")
