-- A pattern with too many captures.
-- expect: error RUNTIME /too many captures/
return string.find("a", string.rep("()", 40))
