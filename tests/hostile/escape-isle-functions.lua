-- GIsle's own functions with bad arguments raise ordinary errors.
-- expect: ok
-- result: (true,)
assert(not pcall(isle.emit, "bad name!", 1))
assert(not pcall(isle.emit, "", 1))
assert(not pcall(isle.emit, string.rep("n", 100000), 1) or true)
assert(not pcall(isle.emit, "x", print))
assert(not pcall(isle.progress, 0/0))
isle.progress(math.huge, "clamped")
isle.progress(-math.huge)
assert(not pcall(isle.sleep, -1))
assert(not pcall(isle.sleep, 0/0))
isle.sleep(0)
return math.type(isle.job_id()) == "integer" and isle.cancelled() == false
