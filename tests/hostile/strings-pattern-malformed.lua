-- expect: error RUNTIME /malformed pattern/
return string.find("abc", "[a")
