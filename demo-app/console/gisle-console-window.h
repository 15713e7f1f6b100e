/* gisle-console-window.h: a console window: editor, output and REPL.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <gtksourceview/gtksource.h>
#include <gisle.h>

#include "gisle-console-app.h"
#include "gisle-console-output.h"
#include "gisle-console-repl.h"

G_BEGIN_DECLS

#define GISLE_CONSOLE_TYPE_WINDOW (gisle_console_window_get_type ())
G_DECLARE_FINAL_TYPE (GisleConsoleWindow, gisle_console_window, GISLE_CONSOLE, WINDOW, GtkApplicationWindow)

GisleConsoleWindow *gisle_console_window_new            (GisleConsoleApp    *app);
void                gisle_console_window_open_file      (GisleConsoleWindow *self,
                                                         GFile              *file);
void                gisle_console_window_set_code       (GisleConsoleWindow *self,
                                                         const char         *code);
gboolean            gisle_console_window_is_running     (GisleConsoleWindow *self);
int                 gisle_console_window_get_error_line (GisleConsoleWindow *self);
GIsle              *gisle_console_window_get_isle       (GisleConsoleWindow *self);
GisleConsoleOutput *gisle_console_window_get_output     (GisleConsoleWindow *self);
GisleConsoleRepl   *gisle_console_window_get_repl       (GisleConsoleWindow *self);
GtkSourceBuffer    *gisle_console_window_get_buffer     (GisleConsoleWindow *self);
const char         *gisle_console_window_get_heading    (GisleConsoleWindow *self);
double              gisle_console_window_get_progress   (GisleConsoleWindow *self);

G_END_DECLS
