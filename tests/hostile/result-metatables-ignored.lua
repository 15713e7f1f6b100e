-- Converting never runs script code: metamethods that would loop or raise
-- are ignored.
-- expect: ok
-- result: ([<int64 1>, <int64 2>],)
local function loop() while true do end end
return setmetatable({ 1, 2 }, { __index = loop, __pairs = loop, __len = loop,
                                __tostring = loop, __name = "x" })
