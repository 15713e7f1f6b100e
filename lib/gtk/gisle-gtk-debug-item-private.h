/* gisle-gtk-debug-item-private.h: making the debug panel's rows.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-gtk-debug-item.h"

G_BEGIN_DECLS

GIsleGtkDebugItem *gisle_gtk_debug_item_new              (const char *name,
                                                         const char *text,
                                                         GVariant   *value);
GIsleGtkDebugItem *gisle_gtk_debug_item_new_group        (const char *name,
                                                         const char *text,
                                                         GListStore *children);
GListModel        *gisle_gtk_debug_item_create_children  (gpointer    item,
                                                         gpointer    user_data);

G_END_DECLS
