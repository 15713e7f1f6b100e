-- The captured streams refuse to be closed or read.
-- expect: ok
-- result: (false, false, false, 'file (stdout)')
return pcall(io.stdout.close, io.stdout), pcall(io.stdout.read, io.stdout),
       pcall(io.stderr.lines, io.stderr), tostring(io.stdout)
