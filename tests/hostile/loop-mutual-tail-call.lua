-- expect: cancelled after 100
local a, b
function a(n) return b(n + 1) end
function b(n) return a(n - 1) end
return a(0)
