-- More upvalues than a function may have (255).
-- expect: error RUNTIME /too many upvalues/
local function names(prefix)
  local t = {}
  for i = 1, 150 do t[i] = prefix .. i end
  return table.concat(t, ",")
end
local src = "local " .. names("a") .. "\n" ..
            "return function() local " .. names("b") .. "\n" ..
            "  return function() return {" .. names("a") .. "," .. names("b") .. "} end end"
assert(load(src))
