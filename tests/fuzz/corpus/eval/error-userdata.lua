error(io.stdout)
