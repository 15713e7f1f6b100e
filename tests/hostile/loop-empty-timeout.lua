-- The per-call time limit stops it without anyone cancelling.
-- expect: timeout
-- timeout: 100
while true do end
