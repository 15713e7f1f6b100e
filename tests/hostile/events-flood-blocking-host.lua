-- Events and progress reports have no backpressure: while the host blocks
-- in a call on its own thread (or its main loop is busy), they pile up in
-- host memory that no memory limit covers. Output waits (see
-- loop-output-flood); events must be bounded too.
-- expect: timeout
-- timeout: 1000
-- blocking: yes
-- host-memory-max: 67108864
-- memory-limit: 8388608
while true do
  isle.emit("flood", 1)
  isle.progress(0.5, "flooding")
end
