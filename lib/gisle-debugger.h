/* gisle-debugger.h: GIsleDebugger, breakpoints and stepping in a running isle.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(GISLE_INSIDE) && !defined(GISLE_COMPILATION)
#error "Only <gisle.h> can be included directly."
#endif

#include "gisle-types.h"
#include "gisle-isle.h"

G_BEGIN_DECLS

#define G_TYPE_ISLE_DEBUGGER (g_isle_debugger_get_type ())

GISLE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GIsleDebugger, g_isle_debugger, G, ISLE_DEBUGGER, GObject)

/* Attaching */
GISLE_AVAILABLE_IN_ALL
GIsleDebugger  *g_isle_debugger_new                (GIsle                *isle,
                                                    GError              **error);
GISLE_AVAILABLE_IN_ALL
GIsle          *g_isle_debugger_get_isle           (GIsleDebugger        *self);
GISLE_AVAILABLE_IN_ALL
void            g_isle_debugger_detach             (GIsleDebugger        *self);
GISLE_AVAILABLE_IN_ALL
gboolean        g_isle_debugger_is_attached        (GIsleDebugger        *self);

/* Breakpoints and when to pause */
GISLE_AVAILABLE_IN_ALL
guint           g_isle_debugger_add_breakpoint     (GIsleDebugger        *self,
                                                    const char           *chunk_name,
                                                    guint                 line,
                                                    const char           *condition);
GISLE_AVAILABLE_IN_ALL
gboolean        g_isle_debugger_remove_breakpoint  (GIsleDebugger        *self,
                                                    guint                 id);
GISLE_AVAILABLE_IN_ALL
void            g_isle_debugger_clear_breakpoints  (GIsleDebugger        *self);
GISLE_AVAILABLE_IN_ALL
GVariant       *g_isle_debugger_list_breakpoints   (GIsleDebugger        *self);
GISLE_AVAILABLE_IN_ALL
void            g_isle_debugger_set_pause_on_error (GIsleDebugger        *self,
                                                    gboolean              pause_on_error);
GISLE_AVAILABLE_IN_ALL
gboolean        g_isle_debugger_get_pause_on_error (GIsleDebugger        *self);
GISLE_AVAILABLE_IN_ALL
void            g_isle_debugger_set_max_depth      (GIsleDebugger        *self,
                                                    guint                 max_depth);
GISLE_AVAILABLE_IN_ALL
guint           g_isle_debugger_get_max_depth      (GIsleDebugger        *self);

/* Pausing and going on */
GISLE_AVAILABLE_IN_ALL
void            g_isle_debugger_pause              (GIsleDebugger        *self);
GISLE_AVAILABLE_IN_ALL
gboolean        g_isle_debugger_is_paused          (GIsleDebugger        *self);
GISLE_AVAILABLE_IN_ALL
gboolean        g_isle_debugger_resume             (GIsleDebugger        *self);
GISLE_AVAILABLE_IN_ALL
gboolean        g_isle_debugger_step_into          (GIsleDebugger        *self);
GISLE_AVAILABLE_IN_ALL
gboolean        g_isle_debugger_step_over          (GIsleDebugger        *self);
GISLE_AVAILABLE_IN_ALL
gboolean        g_isle_debugger_step_out           (GIsleDebugger        *self);

/* Looking around while paused */
GISLE_AVAILABLE_IN_ALL
GVariant       *g_isle_debugger_get_stack          (GIsleDebugger        *self,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
GISLE_AVAILABLE_IN_ALL
void            g_isle_debugger_get_stack_async    (GIsleDebugger        *self,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
GISLE_AVAILABLE_IN_ALL
GVariant       *g_isle_debugger_get_stack_finish   (GIsleDebugger        *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
GISLE_AVAILABLE_IN_ALL
GVariant       *g_isle_debugger_get_variables      (GIsleDebugger        *self,
                                                    guint                 frame,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
GISLE_AVAILABLE_IN_ALL
void            g_isle_debugger_get_variables_async (GIsleDebugger       *self,
                                                    guint                 frame,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
GISLE_AVAILABLE_IN_ALL
GVariant       *g_isle_debugger_get_variables_finish (GIsleDebugger      *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
GISLE_AVAILABLE_IN_ALL
GVariant       *g_isle_debugger_evaluate           (GIsleDebugger        *self,
                                                    guint                 frame,
                                                    const char           *expression,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
GISLE_AVAILABLE_IN_ALL
void            g_isle_debugger_evaluate_async     (GIsleDebugger        *self,
                                                    guint                 frame,
                                                    const char           *expression,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
GISLE_AVAILABLE_IN_ALL
GVariant       *g_isle_debugger_evaluate_finish    (GIsleDebugger        *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);
GISLE_AVAILABLE_IN_ALL
gboolean        g_isle_debugger_set_local          (GIsleDebugger        *self,
                                                    guint                 frame,
                                                    const char           *name,
                                                    GVariant             *value,
                                                    GCancellable         *cancellable,
                                                    GError              **error);
GISLE_AVAILABLE_IN_ALL
void            g_isle_debugger_set_local_async    (GIsleDebugger        *self,
                                                    guint                 frame,
                                                    const char           *name,
                                                    GVariant             *value,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
GISLE_AVAILABLE_IN_ALL
gboolean        g_isle_debugger_set_local_finish   (GIsleDebugger        *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);

G_END_DECLS
