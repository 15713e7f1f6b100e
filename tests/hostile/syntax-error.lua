-- expect: error SYNTAX /unexpected symbol/
return )
