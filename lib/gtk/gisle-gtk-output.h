/* gisle-gtk-output.h: the read-only, capped output view.
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

#define GISLE_GTK_TYPE_OUTPUT (gisle_gtk_output_get_type ())
GISLE_GTK_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GIsleGtkOutput, gisle_gtk_output, GISLE_GTK, OUTPUT, GtkWidget)

GISLE_GTK_AVAILABLE_IN_ALL
GtkWidget   *gisle_gtk_output_new             (void);
GISLE_GTK_AVAILABLE_IN_ALL
void         gisle_gtk_output_append          (GIsleGtkOutput    *self,
                                               GIsleGtkTextKind   kind,
                                               const char        *text);
GISLE_GTK_AVAILABLE_IN_ALL
void         gisle_gtk_output_append_line     (GIsleGtkOutput    *self,
                                               GIsleGtkTextKind   kind,
                                               const char        *text);
GISLE_GTK_AVAILABLE_IN_ALL
void         gisle_gtk_output_flush           (GIsleGtkOutput    *self);
GISLE_GTK_AVAILABLE_IN_ALL
void         gisle_gtk_output_clear           (GIsleGtkOutput    *self);
GISLE_GTK_AVAILABLE_IN_ALL
char        *gisle_gtk_output_get_text        (GIsleGtkOutput    *self);
GISLE_GTK_AVAILABLE_IN_ALL
guint        gisle_gtk_output_get_line_count  (GIsleGtkOutput    *self);
GISLE_GTK_AVAILABLE_IN_ALL
guint        gisle_gtk_output_get_max_lines   (GIsleGtkOutput    *self);
GISLE_GTK_AVAILABLE_IN_ALL
void         gisle_gtk_output_set_max_lines   (GIsleGtkOutput    *self,
                                               guint              max_lines);
GISLE_GTK_AVAILABLE_IN_ALL
gboolean     gisle_gtk_output_has_tag_text    (GIsleGtkOutput    *self,
                                               GIsleGtkTextKind   kind,
                                               const char        *needle);
GISLE_GTK_AVAILABLE_IN_ALL
gboolean     gisle_gtk_output_get_location_at (GIsleGtkOutput    *self,
                                               const GtkTextIter *iter,
                                               char             **chunk_name,
                                               int               *line);
GISLE_GTK_AVAILABLE_IN_ALL
GtkTextView *gisle_gtk_output_get_view        (GIsleGtkOutput    *self);

G_END_DECLS
