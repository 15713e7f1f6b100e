-- expect: cancelled after 100
repeat until false
