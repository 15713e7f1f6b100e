-- expect: error INCOMPLETE /<eof>/
function f()
