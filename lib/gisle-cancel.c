/* gisle-cancel.c: placeholder, being written. */
#include <glib.h>
