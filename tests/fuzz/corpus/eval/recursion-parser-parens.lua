local src = "return " .. string.rep("(", 100000) .. "1" .. string.rep(")", 100000)
assert(load(src))
