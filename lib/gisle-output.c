/* gisle-output.c: placeholder, being written. */
#include <glib.h>
