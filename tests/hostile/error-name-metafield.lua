-- A __name metafield pretending to be something else.
-- expect: error RUNTIME /error object is a table value|FILE/
error(setmetatable({}, { __name = "FILE*" }))
