-- When a wrapped coroutine fails, coroutine.wrap closes its pending
-- variables after the resume returned; a __close that loops there must
-- still be cancellable.
-- expect: cancelled after 100
-- order: last
local f = coroutine.wrap(function()
  local x <close> = setmetatable({}, { __close = function() while true do end end })
  error("boom")
end)
f()
