/* gisle-console-settings.h: where the console's settings come from.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define GISLE_CONSOLE_APP_ID "org.gnome.GIsle.Console"

GSettings *gisle_console_settings_new (void);

G_END_DECLS
