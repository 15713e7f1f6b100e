-- A finalizer that brings its object back to life.
-- expect: ok
-- result: (true, 'alive')
local saved
do
  setmetatable({ tag = "alive" }, { __gc = function(o) saved = o end })
end
collectgarbage()
collectgarbage()
return saved ~= nil, saved and saved.tag
