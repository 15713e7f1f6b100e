-- Strings with NUL bytes cross as byte arrays.
-- expect: ok
-- result-type: (ay)
return "a\0b"
