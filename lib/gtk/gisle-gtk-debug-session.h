/* gisle-gtk-debug-session.h: one debugged run of a script (private).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-gtk-private.h"

G_BEGIN_DECLS

typedef struct _GIsleGtkDebugSession GIsleGtkDebugSession;

GIsleGtkDebugSession *gisle_gtk_debug_session_new          (GIsle                 *isle,
                                                            GIsleGtkEditor        *editor,
                                                            const char            *chunk_name,
                                                            GError               **error);
GIsleDebugger        *gisle_gtk_debug_session_get_debugger (GIsleGtkDebugSession  *self);
void                  gisle_gtk_debug_session_free         (GIsleGtkDebugSession  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GIsleGtkDebugSession, gisle_gtk_debug_session_free)

G_END_DECLS
