/* gisle-console-app.h: the GIsle Console application.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "gisle-console-settings.h"

G_BEGIN_DECLS


#define GISLE_CONSOLE_TYPE_APP (gisle_console_app_get_type ())
G_DECLARE_FINAL_TYPE (GisleConsoleApp, gisle_console_app, GISLE_CONSOLE, APP, GtkApplication)

GisleConsoleApp *gisle_console_app_new          (GApplicationFlags  flags);
GSettings       *gisle_console_app_get_settings (GisleConsoleApp   *self);

G_END_DECLS
