-- expect: error RUNTIME /invalid capture index|invalid pattern capture/
return string.gsub("abc", "(a)", "%9")
