-- Replacing every global, including the ones GIsle wraps, hurts only this
-- script; the next job still runs (the runner checks `return 1`).
-- expect: error RUNTIME /attempt to call a nil value/
for k in pairs(_G) do if k ~= "_G" then _G[k] = nil end end
print("unreachable")
