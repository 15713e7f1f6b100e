local function loop() while true do end end
return setmetatable({ 1, 2 }, { __index = loop, __pairs = loop, __len = loop,
                                __tostring = loop, __name = "x" })
