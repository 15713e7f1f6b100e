-- expect: error SYNTAX /invalid escape|decimal escape too large|UTF%-8 value too large|UTF-8 value too large/
return "\u{FFFFFFFFF}"
