/* gisle-gtk-profile-view.h: a profile's functions as a sortable table.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(GISLE_GTK_INSIDE) && !defined(GISLE_GTK_COMPILATION)
#error "Only <gisle-gtk.h> can be included directly."
#endif

#include <gtk/gtk.h>

#include "gisle-gtk-types.h"

G_BEGIN_DECLS

#define GISLE_GTK_TYPE_PROFILE_FUNCTION (gisle_gtk_profile_function_get_type ())
GISLE_GTK_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GIsleGtkProfileFunction, gisle_gtk_profile_function, GISLE_GTK, PROFILE_FUNCTION, GObject)

GISLE_GTK_AVAILABLE_IN_ALL
const char *gisle_gtk_profile_function_get_label  (GIsleGtkProfileFunction *self);
GISLE_GTK_AVAILABLE_IN_ALL
const char *gisle_gtk_profile_function_get_source (GIsleGtkProfileFunction *self);
GISLE_GTK_AVAILABLE_IN_ALL
int         gisle_gtk_profile_function_get_line   (GIsleGtkProfileFunction *self);
GISLE_GTK_AVAILABLE_IN_ALL
guint64     gisle_gtk_profile_function_get_self   (GIsleGtkProfileFunction *self);
GISLE_GTK_AVAILABLE_IN_ALL
guint64     gisle_gtk_profile_function_get_total  (GIsleGtkProfileFunction *self);

#define GISLE_GTK_TYPE_PROFILE_VIEW (gisle_gtk_profile_view_get_type ())
GISLE_GTK_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GIsleGtkProfileView, gisle_gtk_profile_view, GISLE_GTK, PROFILE_VIEW, GtkWidget)

GISLE_GTK_AVAILABLE_IN_ALL
GtkWidget     *gisle_gtk_profile_view_new             (void);
GISLE_GTK_AVAILABLE_IN_ALL
GVariant      *gisle_gtk_profile_view_get_profile     (GIsleGtkProfileView *self);
GISLE_GTK_AVAILABLE_IN_ALL
void           gisle_gtk_profile_view_set_profile     (GIsleGtkProfileView *self,
                                                       GVariant            *profile);
GISLE_GTK_AVAILABLE_IN_ALL
GListModel    *gisle_gtk_profile_view_get_model       (GIsleGtkProfileView *self);
GISLE_GTK_AVAILABLE_IN_ALL
GtkColumnView *gisle_gtk_profile_view_get_column_view (GIsleGtkProfileView *self);

G_END_DECLS
