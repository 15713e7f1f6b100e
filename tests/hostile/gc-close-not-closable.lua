-- expect: error RUNTIME /non%-closable|non-closable/
local x <close> = {}
