-- string.pack of a huge fixed-size string.
-- expect: error MEMORY
-- memory-limit: 8388608
return string.pack("c" .. (1 << 30), "")
