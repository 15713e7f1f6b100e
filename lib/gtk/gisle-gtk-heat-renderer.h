/* gisle-gtk-heat-renderer.h: the editor's heat margin (private).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtksourceview/gtksource.h>

G_BEGIN_DECLS

#define GISLE_GTK_TYPE_HEAT_RENDERER (gisle_gtk_heat_renderer_get_type ())
G_DECLARE_FINAL_TYPE (GIsleGtkHeatRenderer, gisle_gtk_heat_renderer, GISLE_GTK, HEAT_RENDERER, GtkSourceGutterRenderer)

GtkSourceGutterRenderer *gisle_gtk_heat_renderer_new      (void);
void                     gisle_gtk_heat_renderer_set_heat (GIsleGtkHeatRenderer *self,
                                                           GHashTable           *shares);
double                   gisle_gtk_heat_renderer_get_heat (GIsleGtkHeatRenderer *self,
                                                           int                   line);

G_END_DECLS
