-- An error message with bytes that are not UTF-8. A GError message must be
-- UTF-8 (GObject bindings and GTK widgets rely on it), so GIsle has to
-- repair it as it repairs output (U+FFFD).
-- expect: error RUNTIME /bad .* bytes/
error("bad \xff\xfe bytes", 0)
