-- 300 000 items cross as one array. (A million take over 10 s to convert
-- under AddressSanitizer on a 2-core VM, mostly first-touch page faults,
-- past the runner's answer limit; the conversion itself is ~50 ns a value.)
-- expect: ok
-- result-type: (av)
local t = {}
for i = 1, 300000 do t[i] = i end
return t
