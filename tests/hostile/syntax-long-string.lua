-- An unfinished long string.
-- expect: error INCOMPLETE /<eof>/
return [==[
