return { [1] = 1, [math.maxinteger] = 2, [math.mininteger] = 3 }
