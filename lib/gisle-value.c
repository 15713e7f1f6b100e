/* gisle-value.c: placeholder, being written. */
#include <glib.h>
