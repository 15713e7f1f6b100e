-- expect: error CONVERSION /field "cb": a function cannot leave the isle/
return 1, { cb = function() end }
