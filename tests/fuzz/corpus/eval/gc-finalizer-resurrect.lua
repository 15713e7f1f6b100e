local saved
do
  setmetatable({ tag = "alive" }, { __gc = function(o) saved = o end })
end
collectgarbage()
collectgarbage()
return saved ~= nil, saved and saved.tag
