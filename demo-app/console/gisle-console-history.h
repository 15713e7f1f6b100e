/* gisle-console-history.h: REPL history, kept in GSettings.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define GISLE_CONSOLE_TYPE_HISTORY (gisle_console_history_get_type ())
G_DECLARE_FINAL_TYPE (GisleConsoleHistory, gisle_console_history, GISLE_CONSOLE, HISTORY, GObject)

GisleConsoleHistory *gisle_console_history_new         (GSettings           *settings);
void                 gisle_console_history_add         (GisleConsoleHistory *self,
                                                        const char          *line);
guint                gisle_console_history_get_n_items (GisleConsoleHistory *self);
const char          *gisle_console_history_get_item    (GisleConsoleHistory *self,
                                                        guint                position);

G_END_DECLS
