-- Deeply nested pcall, re-raising on the way out.
-- expect: error RUNTIME /stack overflow/
local function f(n)
  local ok, err = pcall(f, n + 1)
  if not ok then error(err, 0) end
end
f(1)
