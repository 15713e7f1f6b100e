/* gisle-worker.c: placeholder, being written. */
#include <glib.h>
