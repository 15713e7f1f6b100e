/* gisle-gtk-completion.h: a GtkSourceView completion provider answered by
 * an isle.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(GISLE_GTK_INSIDE) && !defined(GISLE_GTK_COMPILATION)
#error "Only <gisle-gtk.h> can be included directly."
#endif

#include <gtksourceview/gtksource.h>
#include <gisle.h>

#include "gisle-gtk-types.h"

G_BEGIN_DECLS

#define GISLE_GTK_TYPE_COMPLETION_PROVIDER (gisle_gtk_completion_provider_get_type ())
GISLE_GTK_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GIsleGtkCompletionProvider, gisle_gtk_completion_provider, GISLE_GTK, COMPLETION_PROVIDER, GObject)

GISLE_GTK_AVAILABLE_IN_ALL
GIsleGtkCompletionProvider *gisle_gtk_completion_provider_new      (GIsle                      *isle);
GISLE_GTK_AVAILABLE_IN_ALL
GIsle                      *gisle_gtk_completion_provider_get_isle (GIsleGtkCompletionProvider *self);
GISLE_GTK_AVAILABLE_IN_ALL
void                        gisle_gtk_completion_provider_set_isle (GIsleGtkCompletionProvider *self,
                                                                    GIsle                      *isle);

G_END_DECLS
