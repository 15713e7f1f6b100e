/* gisle-console-examples.h: scripts that show what GIsle can do.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *id;      /* the win.example parameter */
  const char *title;   /* untranslated; use gettext () */
  const char *code;
} GisleConsoleExample;

const GisleConsoleExample *gisle_console_examples_get    (guint      *n_examples);
const GisleConsoleExample *gisle_console_examples_lookup (const char *id);

G_END_DECLS
