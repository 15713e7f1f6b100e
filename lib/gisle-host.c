/* gisle-host.c: placeholder, being written. */
#include <glib.h>
