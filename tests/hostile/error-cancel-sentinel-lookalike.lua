-- A script that raises the cancel's text itself is an ordinary error.
-- expect: error RUNTIME /the job was cancelled/
error("the job was cancelled", 0)
