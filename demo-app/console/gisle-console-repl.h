/* gisle-console-repl.h: the REPL entry, with history and completion.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <gisle.h>

#include "gisle-console-history.h"
#include "gisle-console-output.h"

G_BEGIN_DECLS

#define GISLE_CONSOLE_TYPE_REPL (gisle_console_repl_get_type ())
G_DECLARE_FINAL_TYPE (GisleConsoleRepl, gisle_console_repl, GISLE_CONSOLE, REPL, GtkWidget)

void      gisle_console_repl_setup            (GisleConsoleRepl    *self,
                                               GisleConsoleHistory *history,
                                               GisleConsoleOutput  *output);
void      gisle_console_repl_set_isle         (GisleConsoleRepl    *self,
                                               GIsle               *isle);
void      gisle_console_repl_set_busy         (GisleConsoleRepl    *self,
                                               gboolean             busy);
void      gisle_console_repl_continue         (GisleConsoleRepl    *self,
                                               const char          *code);
void      gisle_console_repl_end_continuation (GisleConsoleRepl    *self);
gboolean  gisle_console_repl_is_continuing    (GisleConsoleRepl    *self);
GtkEntry *gisle_console_repl_get_entry        (GisleConsoleRepl    *self);
void      gisle_console_repl_submit           (GisleConsoleRepl    *self);
void      gisle_console_repl_history_previous (GisleConsoleRepl    *self);
void      gisle_console_repl_history_next     (GisleConsoleRepl    *self);
void      gisle_console_repl_complete         (GisleConsoleRepl    *self);

G_END_DECLS
