-- Pattern matching recursion (%b and captures) deep enough to hit the
-- matcher's limit.
-- expect: error RUNTIME /pattern too complex|too many captures|stack overflow/
local s = string.rep("a", 300000)
return string.match(s, string.rep("a?", 300) .. string.rep("a", 300))
