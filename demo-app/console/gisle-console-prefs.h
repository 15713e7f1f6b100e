/* gisle-console-prefs.h: the preferences window.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define GISLE_CONSOLE_TYPE_PREFS (gisle_console_prefs_get_type ())
G_DECLARE_FINAL_TYPE (GisleConsolePrefs, gisle_console_prefs, GISLE_CONSOLE, PREFS, GtkWindow)

GisleConsolePrefs *gisle_console_prefs_new (GtkWindow *parent,
                                            GSettings *settings);

G_END_DECLS
