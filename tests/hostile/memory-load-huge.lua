-- Compiling a huge chunk.
-- expect: error MEMORY
-- memory-limit: 8388608
local parts = { "local t = {" }
for i = 1, 2000000 do parts[#parts + 1] = i .. "," end
parts[#parts + 1] = "}"
return load(table.concat(parts))
