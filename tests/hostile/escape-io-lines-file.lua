-- expect: error RUNTIME /file access is not available in this isle/
for line in io.lines("/etc/passwd") do end
