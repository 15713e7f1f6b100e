/* gisle-gtk-private.h: what the files of libgisle-gtk share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-gtk.h"
#include "gisle-gtk-history.h"
#include "gisle-gtk-repl.h"
#include "gisle-gtk-support.h"

G_BEGIN_DECLS

#define GISLE_GTK_N_TEXT_KINDS (GISLE_GTK_TEXT_INPUT + 1)

void   gisle_gtk_completion_async           (GIsle               *isle,
                                             const char          *text,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
GStrv  gisle_gtk_completion_finish          (GAsyncResult        *result,
                                             GError             **error);
char  *gisle_gtk_completion_word            (const char          *text);
char  *gisle_gtk_completion_common_prefix   (const char * const  *names);
gboolean gisle_gtk_format_is_described      (GVariant            *value,
                                             const char          *kind);
GVariant *gisle_gtk_format_unwrap           (GVariant            *value);

G_END_DECLS
