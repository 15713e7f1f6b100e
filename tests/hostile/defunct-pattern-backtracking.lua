-- A pattern match with exponential backtracking runs in C, where no hook
-- reaches it.
-- expect: defunct after 100
return string.find(string.rep("a", 5000), string.rep("a-", 30) .. "b")
