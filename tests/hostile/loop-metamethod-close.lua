-- A to-be-closed variable whose __close never returns.
-- expect: cancelled after 100
do
  local x <close> = setmetatable({}, { __close = function() while true do end end })
end
