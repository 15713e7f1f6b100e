return math.maxinteger + 1 == math.mininteger,
       math.mininteger - 1 == math.maxinteger,
       math.mininteger // -1 == math.mininteger,
       math.abs(math.mininteger) == math.mininteger
