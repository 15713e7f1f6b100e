/* gisle-gtk-console.h: a Lua console: transcript, REPL input and Stop.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(GISLE_GTK_INSIDE) && !defined(GISLE_GTK_COMPILATION)
#error "Only <gisle-gtk.h> can be included directly."
#endif

#include <gtk/gtk.h>
#include <gisle.h>

#include "gisle-gtk-types.h"
#include "gisle-gtk-output.h"
#include "gisle-gtk-editor.h"

G_BEGIN_DECLS

#define GISLE_GTK_TYPE_CONSOLE (gisle_gtk_console_get_type ())
GISLE_GTK_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GIsleGtkConsole, gisle_gtk_console, GISLE_GTK, CONSOLE, GtkWidget)

GISLE_GTK_AVAILABLE_IN_ALL
GtkWidget            *gisle_gtk_console_new               (GIsle           *isle);
GISLE_GTK_AVAILABLE_IN_ALL
GIsle                *gisle_gtk_console_get_isle          (GIsleGtkConsole *self);
GISLE_GTK_AVAILABLE_IN_ALL
void                  gisle_gtk_console_set_isle          (GIsleGtkConsole *self,
                                                           GIsle           *isle);
GISLE_GTK_AVAILABLE_IN_ALL
GIsleGtkConsoleState  gisle_gtk_console_get_state         (GIsleGtkConsole *self);
GISLE_GTK_AVAILABLE_IN_ALL
gboolean              gisle_gtk_console_get_busy          (GIsleGtkConsole *self);
GISLE_GTK_AVAILABLE_IN_ALL
double                gisle_gtk_console_get_elapsed       (GIsleGtkConsole *self);
GISLE_GTK_AVAILABLE_IN_ALL
double                gisle_gtk_console_get_progress      (GIsleGtkConsole *self);
GISLE_GTK_AVAILABLE_IN_ALL
const char           *gisle_gtk_console_get_progress_text (GIsleGtkConsole *self);
GISLE_GTK_AVAILABLE_IN_ALL
guint                 gisle_gtk_console_get_timeout       (GIsleGtkConsole *self);
GISLE_GTK_AVAILABLE_IN_ALL
void                  gisle_gtk_console_set_timeout       (GIsleGtkConsole *self,
                                                           guint            timeout_ms);
GISLE_GTK_AVAILABLE_IN_ALL
GStrv                 gisle_gtk_console_dup_history       (GIsleGtkConsole *self);
GISLE_GTK_AVAILABLE_IN_ALL
void                  gisle_gtk_console_set_history       (GIsleGtkConsole    *self,
                                                           const char * const *history);
GISLE_GTK_AVAILABLE_IN_ALL
GIsleGtkOutput       *gisle_gtk_console_get_output        (GIsleGtkConsole *self);
GISLE_GTK_AVAILABLE_IN_ALL
GtkSourceView        *gisle_gtk_console_get_input_view    (GIsleGtkConsole *self);
GISLE_GTK_AVAILABLE_IN_ALL
char                 *gisle_gtk_console_get_input_text    (GIsleGtkConsole *self);
GISLE_GTK_AVAILABLE_IN_ALL
void                  gisle_gtk_console_set_input_text    (GIsleGtkConsole *self,
                                                           const char      *text);
GISLE_GTK_AVAILABLE_IN_ALL
gboolean              gisle_gtk_console_get_continuing    (GIsleGtkConsole *self);
GISLE_GTK_AVAILABLE_IN_ALL
gboolean              gisle_gtk_console_get_profiling     (GIsleGtkConsole *self);
GISLE_GTK_AVAILABLE_IN_ALL
GVariant             *gisle_gtk_console_get_profile       (GIsleGtkConsole *self);
GISLE_GTK_AVAILABLE_IN_ALL
GIsleGtkEditor       *gisle_gtk_console_get_editor        (GIsleGtkConsole *self);
GISLE_GTK_AVAILABLE_IN_ALL
void                  gisle_gtk_console_set_editor        (GIsleGtkConsole *self,
                                                           GIsleGtkEditor  *editor);
GISLE_GTK_AVAILABLE_IN_ALL
void                  gisle_gtk_console_submit_input      (GIsleGtkConsole *self);
GISLE_GTK_AVAILABLE_IN_ALL
gboolean              gisle_gtk_console_run_script        (GIsleGtkConsole *self,
                                                           const char      *code,
                                                           const char      *chunk_name);
GISLE_GTK_AVAILABLE_IN_ALL
gboolean              gisle_gtk_console_debug_script      (GIsleGtkConsole *self,
                                                           const char      *code,
                                                           const char      *chunk_name);
GISLE_GTK_AVAILABLE_IN_ALL
GIsleDebugger        *gisle_gtk_console_get_debugger      (GIsleGtkConsole *self);
GISLE_GTK_AVAILABLE_IN_ALL
gboolean              gisle_gtk_console_get_paused        (GIsleGtkConsole *self);
GISLE_GTK_AVAILABLE_IN_ALL
void                  gisle_gtk_console_stop              (GIsleGtkConsole *self);
GISLE_GTK_AVAILABLE_IN_ALL
void                  gisle_gtk_console_clear             (GIsleGtkConsole *self);
GISLE_GTK_AVAILABLE_IN_ALL
GActionGroup         *gisle_gtk_console_get_actions       (GIsleGtkConsole *self);

G_END_DECLS
