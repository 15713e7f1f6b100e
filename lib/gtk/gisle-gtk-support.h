/* gisle-gtk-support.h: what several widgets need once (floor 0 of
 * lib/gtk): translations, the console's Lua helpers, the style scheme.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtksourceview/gtksource.h>
#include <gisle.h>

G_BEGIN_DECLS

#define GISLE_GTK_RESOURCE_PATH "/org/gnome/GIsle/Gtk"

void        gisle_gtk_ensure_i18n        (void);
void        gisle_gtk_ensure_helpers     (GIsle           *isle);
const char *gisle_gtk_stop_symbol        (void);
gboolean    gisle_gtk_settings_want_dark (GtkSettings     *settings);
void        gisle_gtk_set_scheme         (GtkSourceBuffer *buffer,
                                          gboolean         dark);
void        gisle_gtk_follow_dark_style  (GtkSourceView   *view);

G_END_DECLS
