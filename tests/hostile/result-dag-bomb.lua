-- 40 tables, each holding the previous one twice: tiny in Lua, but 2^40
-- copies once converted (docs/values.md: a shared table is copied each
-- time it appears). Converting runs in C after the script returned; the
-- job's time limit must still reach it (without a limit, conversion stops
-- with CONVERSION after 2 Mi values).
-- expect: timeout
-- memory-limit: 8388608
-- timeout: 200
-- order: last
local t = { 1 }
for i = 1, 40 do t = { t, t } end
return t
