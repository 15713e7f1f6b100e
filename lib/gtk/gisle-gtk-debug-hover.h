/* gisle-gtk-debug-hover.h: values shown on hover while paused (private).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtksourceview/gtksource.h>
#include <gisle.h>

G_BEGIN_DECLS

#define GISLE_GTK_TYPE_DEBUG_HOVER (gisle_gtk_debug_hover_get_type ())
G_DECLARE_FINAL_TYPE (GIsleGtkDebugHover, gisle_gtk_debug_hover, GISLE_GTK, DEBUG_HOVER, GObject)

GIsleGtkDebugHover *gisle_gtk_debug_hover_new (GIsleDebugger *debugger);

G_END_DECLS
