-- coroutine.close() runs the pending __close of a suspended coroutine on
-- that coroutine's own state, which never went through GIsle's resume: its
-- endless loop must still be cancellable.
-- expect: cancelled after 100
-- order: last
local co = coroutine.create(function()
  local x <close> = setmetatable({}, { __close = function() while true do end end })
  coroutine.yield()
end)
coroutine.resume(co)
coroutine.close(co)
