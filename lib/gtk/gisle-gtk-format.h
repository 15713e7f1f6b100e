/* gisle-gtk-format.h: turning results and errors into text.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(GISLE_GTK_INSIDE) && !defined(GISLE_GTK_COMPILATION)
#error "Only <gisle-gtk.h> can be included directly."
#endif

#include <glib.h>

#include "gisle-gtk-types.h"

G_BEGIN_DECLS

GISLE_GTK_AVAILABLE_IN_ALL
char *gisle_gtk_format_value     (GVariant   *value);
GISLE_GTK_AVAILABLE_IN_ALL
char *gisle_gtk_format_results   (GVariant   *results);
GISLE_GTK_AVAILABLE_IN_ALL
int   gisle_gtk_find_error_line  (const char *message,
                                  const char *chunk_name);
GISLE_GTK_AVAILABLE_IN_ALL
char *gisle_gtk_format_duration  (gint64      usec);

G_END_DECLS
