-- A small DAG of shared tables is fine: each occurrence is copied.
-- expect: ok
-- result-type: (av)
local t = { 1 }
for i = 1, 10 do t = { t, t } end
return t
