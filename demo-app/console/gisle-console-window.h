/* gisle-console-window.h: a console window: editor, console, files.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gisle-gtk.h>


G_BEGIN_DECLS

#define GISLE_CONSOLE_TYPE_WINDOW (gisle_console_window_get_type ())
G_DECLARE_FINAL_TYPE (GisleConsoleWindow, gisle_console_window, GISLE_CONSOLE, WINDOW, GtkApplicationWindow)

GisleConsoleWindow *gisle_console_window_new           (GtkApplication     *app,
                                                        GSettings          *settings);
void                gisle_console_window_open_file     (GisleConsoleWindow *self,
                                                        GFile              *file);
void                gisle_console_window_set_code      (GisleConsoleWindow *self,
                                                        const char         *code);
GIsle              *gisle_console_window_get_isle      (GisleConsoleWindow *self);
GIsleGtkConsole    *gisle_console_window_get_console   (GisleConsoleWindow *self);
GIsleGtkEditor     *gisle_console_window_get_editor    (GisleConsoleWindow *self);
GtkDialog          *gisle_console_window_get_question  (GisleConsoleWindow *self);
const char         *gisle_console_window_get_heading   (GisleConsoleWindow *self);
double              gisle_console_window_get_progress  (GisleConsoleWindow *self);

G_END_DECLS
