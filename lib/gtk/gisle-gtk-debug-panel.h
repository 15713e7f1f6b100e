/* gisle-gtk-debug-panel.h: the paused job's stack, variables and watches.
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
#include "gisle-gtk-debug-item.h"

G_BEGIN_DECLS

#define GISLE_GTK_TYPE_DEBUG_PANEL (gisle_gtk_debug_panel_get_type ())
GISLE_GTK_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GIsleGtkDebugPanel, gisle_gtk_debug_panel, GISLE_GTK, DEBUG_PANEL, GtkWidget)

GISLE_GTK_AVAILABLE_IN_ALL
GtkWidget      *gisle_gtk_debug_panel_new                (void);
GISLE_GTK_AVAILABLE_IN_ALL
GIsleDebugger  *gisle_gtk_debug_panel_get_debugger       (GIsleGtkDebugPanel *self);
GISLE_GTK_AVAILABLE_IN_ALL
void            gisle_gtk_debug_panel_set_debugger       (GIsleGtkDebugPanel *self,
                                                          GIsleDebugger      *debugger);
GISLE_GTK_AVAILABLE_IN_ALL
GListModel     *gisle_gtk_debug_panel_get_stack          (GIsleGtkDebugPanel *self);
GISLE_GTK_AVAILABLE_IN_ALL
guint           gisle_gtk_debug_panel_get_selected_frame (GIsleGtkDebugPanel *self);
GISLE_GTK_AVAILABLE_IN_ALL
void            gisle_gtk_debug_panel_set_selected_frame (GIsleGtkDebugPanel *self,
                                                          guint               frame);
GISLE_GTK_AVAILABLE_IN_ALL
GtkTreeListModel *gisle_gtk_debug_panel_get_variables    (GIsleGtkDebugPanel *self);
GISLE_GTK_AVAILABLE_IN_ALL
GListModel     *gisle_gtk_debug_panel_get_watches        (GIsleGtkDebugPanel *self);
GISLE_GTK_AVAILABLE_IN_ALL
void            gisle_gtk_debug_panel_add_watch          (GIsleGtkDebugPanel *self,
                                                          const char         *expression);
GISLE_GTK_AVAILABLE_IN_ALL
void            gisle_gtk_debug_panel_remove_watch       (GIsleGtkDebugPanel *self,
                                                          guint               position);
GISLE_GTK_AVAILABLE_IN_ALL
gboolean        gisle_gtk_debug_panel_get_loading        (GIsleGtkDebugPanel *self);

G_END_DECLS
