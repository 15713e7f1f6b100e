/* gisle-console-format.h: turning results and errors into text.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *gisle_console_format_value      (GVariant   *value);
char *gisle_console_format_results    (GVariant   *results);
int   gisle_console_find_error_line   (const char *message,
                                       const char *chunk_name);
char *gisle_console_format_duration   (gint64      usec);

G_END_DECLS
