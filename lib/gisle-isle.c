/* gisle-isle.c: placeholder, being written. */
#include <glib.h>
