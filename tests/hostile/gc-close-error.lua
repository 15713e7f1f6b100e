-- __close that raises: the error propagates like any other.
-- expect: error RUNTIME /close boom/
do
  local x <close> = setmetatable({}, { __close = function() error("close boom") end })
end
