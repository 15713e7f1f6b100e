-- A plain endless loop: stopped by the cancel.
-- expect: cancelled after 100
while true do end
