-- Invalid UTF-8 is replaced by U+FFFD, never passed on.
-- expect: ok
-- stdout: /a\x{FFFD}/
print("a\xff\xfe\xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf")
return 1
