/* gisle-dispatch.c: placeholder, being written. */
#include <glib.h>
