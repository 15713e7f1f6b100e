-- table.unpack of a million values: too many results.
-- expect: error RUNTIME /too many results to unpack/
return table.unpack({}, 1, 1e8)
