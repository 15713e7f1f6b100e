-- require loads text only: a module file holding bytecode is refused.
-- expect: error RUNTIME /binary chunk|not found/
-- libraries: all
local name = os.tmpname()
local f = assert(io.open(name .. ".lua", "wb"))
f:write("\27Lua\84\0\25\147\13\10\26\10")
f:close()
package.path = name .. ".lua"
local ok, err = pcall(require, "anything")
os.remove(name .. ".lua")
os.remove(name)
error(err, 0)
