/* gisle-gtk-editor.h: a Lua script editor.
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

#define GISLE_GTK_TYPE_EDITOR (gisle_gtk_editor_get_type ())
GISLE_GTK_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GIsleGtkEditor, gisle_gtk_editor, GISLE_GTK, EDITOR, GtkSourceView)

GISLE_GTK_AVAILABLE_IN_ALL
GtkWidget  *gisle_gtk_editor_new              (void);
GISLE_GTK_AVAILABLE_IN_ALL
GIsle      *gisle_gtk_editor_get_isle         (GIsleGtkEditor *self);
GISLE_GTK_AVAILABLE_IN_ALL
void        gisle_gtk_editor_set_isle         (GIsleGtkEditor *self,
                                               GIsle          *isle);
GISLE_GTK_AVAILABLE_IN_ALL
char       *gisle_gtk_editor_get_text         (GIsleGtkEditor *self);
GISLE_GTK_AVAILABLE_IN_ALL
void        gisle_gtk_editor_set_text         (GIsleGtkEditor *self,
                                               const char     *text,
                                               gboolean        undoable);
GISLE_GTK_AVAILABLE_IN_ALL
void        gisle_gtk_editor_set_error        (GIsleGtkEditor *self,
                                               int             line,
                                               const char     *message);
GISLE_GTK_AVAILABLE_IN_ALL
void        gisle_gtk_editor_clear_error      (GIsleGtkEditor *self);
GISLE_GTK_AVAILABLE_IN_ALL
int         gisle_gtk_editor_get_error_line   (GIsleGtkEditor *self);
GISLE_GTK_AVAILABLE_IN_ALL
const char *gisle_gtk_editor_get_error_message (GIsleGtkEditor *self);
GISLE_GTK_AVAILABLE_IN_ALL
void        gisle_gtk_editor_go_to_line       (GIsleGtkEditor *self,
                                               int             line);
GISLE_GTK_AVAILABLE_IN_ALL
gboolean    gisle_gtk_editor_get_dark         (GIsleGtkEditor *self);

GISLE_GTK_AVAILABLE_IN_ALL
void        gisle_gtk_editor_set_breakpoint    (GIsleGtkEditor *self,
                                                int             line,
                                                gboolean        enabled);
GISLE_GTK_AVAILABLE_IN_ALL
gboolean    gisle_gtk_editor_toggle_breakpoint (GIsleGtkEditor *self,
                                                int             line);
GISLE_GTK_AVAILABLE_IN_ALL
int        *gisle_gtk_editor_get_breakpoints   (GIsleGtkEditor *self,
                                                gsize          *n_lines);
GISLE_GTK_AVAILABLE_IN_ALL
void        gisle_gtk_editor_clear_breakpoints (GIsleGtkEditor *self);
GISLE_GTK_AVAILABLE_IN_ALL
void        gisle_gtk_editor_set_breakpoint_condition (GIsleGtkEditor *self,
                                                       int             line,
                                                       const char     *condition);
GISLE_GTK_AVAILABLE_IN_ALL
char       *gisle_gtk_editor_dup_breakpoint_condition (GIsleGtkEditor *self,
                                                       int             line);
GISLE_GTK_AVAILABLE_IN_ALL
void        gisle_gtk_editor_set_paused_line   (GIsleGtkEditor *self,
                                                int             line);
GISLE_GTK_AVAILABLE_IN_ALL
int         gisle_gtk_editor_get_paused_line   (GIsleGtkEditor *self);

GISLE_GTK_AVAILABLE_IN_ALL
void        gisle_gtk_editor_show_profile      (GIsleGtkEditor *self,
                                                GVariant       *profile,
                                                const char     *chunk_name);
GISLE_GTK_AVAILABLE_IN_ALL
void        gisle_gtk_editor_clear_profile     (GIsleGtkEditor *self);
GISLE_GTK_AVAILABLE_IN_ALL
double      gisle_gtk_editor_get_line_heat     (GIsleGtkEditor *self,
                                                int             line);

GISLE_GTK_AVAILABLE_IN_ALL
char       *gisle_gtk_editor_get_expression_at (GIsleGtkEditor    *self,
                                                const GtkTextIter *iter);
GISLE_GTK_AVAILABLE_IN_ALL
const char *gisle_gtk_editor_get_chunk_name    (GIsleGtkEditor *self);
GISLE_GTK_AVAILABLE_IN_ALL
void        gisle_gtk_editor_set_chunk_name    (GIsleGtkEditor *self,
                                                const char     *chunk_name);

G_END_DECLS
