/* gisle-invocation.c: placeholder, being written. */
#include <glib.h>
