-- expect: error RUNTIME /invalid UTF%-8 code|invalid UTF-8 code/
return utf8.codepoint("\xff\xfe")
