/* gisle-sandbox.c: placeholder, being written. */
#include <glib.h>
