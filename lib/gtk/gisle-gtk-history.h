/* gisle-gtk-history.h: REPL history, in memory (private).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define GISLE_GTK_TYPE_HISTORY (gisle_gtk_history_get_type ())
G_DECLARE_FINAL_TYPE (GIsleGtkHistory, gisle_gtk_history, GISLE_GTK, HISTORY, GObject)

GIsleGtkHistory *gisle_gtk_history_new         (void);
void             gisle_gtk_history_add         (GIsleGtkHistory    *self,
                                                const char         *entry);
guint            gisle_gtk_history_get_n_items (GIsleGtkHistory    *self);
const char      *gisle_gtk_history_get_item    (GIsleGtkHistory    *self,
                                                guint               position);
int              gisle_gtk_history_search      (GIsleGtkHistory    *self,
                                                const char         *needle,
                                                int                 before);
GStrv            gisle_gtk_history_dup_items   (GIsleGtkHistory    *self);
void             gisle_gtk_history_set_items   (GIsleGtkHistory    *self,
                                                const char * const *items);
void             gisle_gtk_history_set_size    (GIsleGtkHistory    *self,
                                                guint               size);

G_END_DECLS
