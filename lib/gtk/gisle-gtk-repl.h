/* gisle-gtk-repl.h: the REPL input, with history and completion (private).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtksourceview/gtksource.h>
#include <gisle.h>

#include "gisle-gtk-history.h"
#include "gisle-gtk-output.h"

G_BEGIN_DECLS

#define GISLE_GTK_TYPE_REPL (gisle_gtk_repl_get_type ())
G_DECLARE_FINAL_TYPE (GIsleGtkRepl, gisle_gtk_repl, GISLE_GTK, REPL, GtkWidget)

void           gisle_gtk_repl_setup            (GIsleGtkRepl    *self,
                                                GIsleGtkHistory *history,
                                                GIsleGtkOutput  *output);
void           gisle_gtk_repl_set_isle         (GIsleGtkRepl    *self,
                                                GIsle           *isle);
void           gisle_gtk_repl_set_busy         (GIsleGtkRepl    *self,
                                                gboolean         busy);
void           gisle_gtk_repl_set_paused       (GIsleGtkRepl    *self,
                                                gboolean         paused);
void           gisle_gtk_repl_continue         (GIsleGtkRepl    *self,
                                                const char      *code);
void           gisle_gtk_repl_end_continuation (GIsleGtkRepl    *self);
void           gisle_gtk_repl_discard          (GIsleGtkRepl    *self);
gboolean       gisle_gtk_repl_is_continuing    (GIsleGtkRepl    *self);
GtkSourceView *gisle_gtk_repl_get_view         (GIsleGtkRepl    *self);
char          *gisle_gtk_repl_get_text         (GIsleGtkRepl    *self);
void           gisle_gtk_repl_set_text         (GIsleGtkRepl    *self,
                                                const char      *text);
void           gisle_gtk_repl_submit           (GIsleGtkRepl    *self);
void           gisle_gtk_repl_history_previous (GIsleGtkRepl    *self);
void           gisle_gtk_repl_history_next     (GIsleGtkRepl    *self);
void           gisle_gtk_repl_history_search   (GIsleGtkRepl    *self);
void           gisle_gtk_repl_complete         (GIsleGtkRepl    *self);
gboolean       gisle_gtk_repl_is_completing    (GIsleGtkRepl    *self);

G_END_DECLS
