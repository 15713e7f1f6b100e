/* gisle-gtk-debug-item.h: a row of the debug panel.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(GISLE_GTK_INSIDE) && !defined(GISLE_GTK_COMPILATION)
#error "Only <gisle-gtk.h> can be included directly."
#endif

#include <glib-object.h>

#include "gisle-gtk-types.h"

G_BEGIN_DECLS

#define GISLE_GTK_TYPE_DEBUG_ITEM (gisle_gtk_debug_item_get_type ())
GISLE_GTK_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GIsleGtkDebugItem, gisle_gtk_debug_item, GISLE_GTK, DEBUG_ITEM, GObject)

GISLE_GTK_AVAILABLE_IN_ALL
const char *gisle_gtk_debug_item_get_name  (GIsleGtkDebugItem *self);
GISLE_GTK_AVAILABLE_IN_ALL
const char *gisle_gtk_debug_item_get_text  (GIsleGtkDebugItem *self);
GISLE_GTK_AVAILABLE_IN_ALL
GVariant   *gisle_gtk_debug_item_get_value (GIsleGtkDebugItem *self);

G_END_DECLS
