-- __tostring that exhausts the memory limit while the message is built.
-- expect: error RUNTIME /__tostring failed|not enough memory/
-- memory-limit: 8388608
error(setmetatable({}, { __tostring = function()
  local t = {}
  while true do t[#t + 1] = string.rep("m", 1000) .. #t end
end }))
