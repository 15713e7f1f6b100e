/* gisle-isle.h: GIsle, one Lua state on its own thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(GISLE_INSIDE) && !defined(GISLE_COMPILATION)
#error "Only <gisle.h> can be included directly."
#endif

#include "gisle-types.h"
#include "gisle-executor.h"

G_BEGIN_DECLS

#define G_TYPE_ISLE (g_isle_get_type ())

GISLE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GIsle, g_isle, G, ISLE, GObject)

/* Construction */
GISLE_AVAILABLE_IN_ALL
GIsle          *g_isle_new                 (GCancellable         *cancellable,
                                            GError              **error);
GISLE_AVAILABLE_IN_ALL
void            g_isle_new_async           (GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
GISLE_AVAILABLE_IN_ALL
GIsle          *g_isle_new_finish          (GAsyncResult         *result,
                                            GError              **error);

/* Evaluating chunks */
GISLE_AVAILABLE_IN_ALL
GVariant       *g_isle_eval                (GIsle                *self,
                                            const char           *code,
                                            GCancellable         *cancellable,
                                            GError              **error);
GISLE_AVAILABLE_IN_ALL
void            g_isle_eval_async          (GIsle                *self,
                                            const char           *code,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
GISLE_AVAILABLE_IN_ALL
GVariant       *g_isle_eval_finish         (GIsle                *self,
                                            GAsyncResult         *result,
                                            GError              **error);
GISLE_AVAILABLE_IN_ALL
GVariant       *g_isle_eval_full           (GIsle                *self,
                                            const char           *code,
                                            const char           *chunk_name,
                                            guint                 timeout_ms,
                                            GCancellable         *cancellable,
                                            GError              **error);
GISLE_AVAILABLE_IN_ALL
guint64         g_isle_eval_full_async     (GIsle                *self,
                                            const char           *code,
                                            const char           *chunk_name,
                                            guint                 timeout_ms,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
GISLE_AVAILABLE_IN_ALL
GVariant       *g_isle_eval_full_finish    (GIsle                *self,
                                            GAsyncResult         *result,
                                            GError              **error);

/* Calling global functions */
GISLE_AVAILABLE_IN_ALL
GVariant       *g_isle_call                (GIsle                *self,
                                            const char           *function,
                                            GVariant             *args,
                                            GCancellable         *cancellable,
                                            GError              **error);
GISLE_AVAILABLE_IN_ALL
void            g_isle_call_async          (GIsle                *self,
                                            const char           *function,
                                            GVariant             *args,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
GISLE_AVAILABLE_IN_ALL
GVariant       *g_isle_call_finish         (GIsle                *self,
                                            GAsyncResult         *result,
                                            GError              **error);
GISLE_AVAILABLE_IN_ALL
GVariant       *g_isle_call_full           (GIsle                *self,
                                            const char           *function,
                                            GVariant             *args,
                                            guint                 timeout_ms,
                                            GCancellable         *cancellable,
                                            GError              **error);
GISLE_AVAILABLE_IN_ALL
guint64         g_isle_call_full_async     (GIsle                *self,
                                            const char           *function,
                                            GVariant             *args,
                                            guint                 timeout_ms,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
GISLE_AVAILABLE_IN_ALL
GVariant       *g_isle_call_full_finish    (GIsle                *self,
                                            GAsyncResult         *result,
                                            GError              **error);

/* Stopping */
GISLE_AVAILABLE_IN_ALL
void            g_isle_cancel_all          (GIsle                *self);
GISLE_AVAILABLE_IN_ALL
gboolean        g_isle_close               (GIsle                *self,
                                            GCancellable         *cancellable,
                                            GError              **error);
GISLE_AVAILABLE_IN_ALL
void            g_isle_close_async         (GIsle                *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
GISLE_AVAILABLE_IN_ALL
gboolean        g_isle_close_finish        (GIsle                *self,
                                            GAsyncResult         *result,
                                            GError              **error);

/* Host functions */
GISLE_AVAILABLE_IN_ALL
void            g_isle_add_function        (GIsle                *self,
                                            const char           *name,
                                            GIsleHostFunc         func,
                                            gpointer              user_data,
                                            GDestroyNotify        notify);
GISLE_AVAILABLE_IN_ALL
void            g_isle_add_async_function  (GIsle                *self,
                                            const char           *name,
                                            GIsleAsyncHostFunc    func,
                                            gpointer              user_data,
                                            GDestroyNotify        notify);
GISLE_AVAILABLE_IN_ALL
gboolean        g_isle_remove_function     (GIsle                *self,
                                            const char           *name);

/* Properties */
GISLE_AVAILABLE_IN_ALL
const char     *g_isle_get_thread_name     (GIsle                *self);
GISLE_AVAILABLE_IN_ALL
GIsleExecutor  *g_isle_get_executor        (GIsle                *self);
GISLE_AVAILABLE_IN_ALL
const char     *g_isle_get_name            (GIsle                *self);
GISLE_AVAILABLE_IN_ALL
guint           g_isle_get_queue_capacity  (GIsle                *self);
GISLE_AVAILABLE_IN_ALL
guint64         g_isle_get_memory_limit    (GIsle                *self);
GISLE_AVAILABLE_IN_ALL
guint64         g_isle_get_memory_in_use   (GIsle                *self);
GISLE_AVAILABLE_IN_ALL
guint64         g_isle_get_suspended_waits (GIsle                *self);
GISLE_AVAILABLE_IN_ALL
guint64         g_isle_get_blocking_waits  (GIsle                *self);
GISLE_AVAILABLE_IN_ALL
GIsleLibraries  g_isle_get_libraries       (GIsle                *self);
GISLE_AVAILABLE_IN_ALL
const char     *g_isle_get_setup_code      (GIsle                *self);
GISLE_AVAILABLE_IN_ALL
GMainContext   *g_isle_get_main_context    (GIsle                *self);
GISLE_AVAILABLE_IN_ALL
guint           g_isle_get_default_timeout (GIsle                *self);
GISLE_AVAILABLE_IN_ALL
void            g_isle_set_default_timeout (GIsle                *self,
                                            guint                 timeout_ms);
GISLE_AVAILABLE_IN_ALL
guint           g_isle_get_grace_period    (GIsle                *self);
GISLE_AVAILABLE_IN_ALL
void            g_isle_set_grace_period    (GIsle                *self,
                                            guint                 grace_ms);
GISLE_AVAILABLE_IN_ALL
guint           g_isle_get_hard_deadline   (GIsle                *self);
GISLE_AVAILABLE_IN_ALL
void            g_isle_set_hard_deadline   (GIsle                *self,
                                            guint                 deadline_ms);
GISLE_AVAILABLE_IN_ALL
gboolean        g_isle_is_closed           (GIsle                *self);
GISLE_AVAILABLE_IN_ALL
gboolean        g_isle_is_defunct          (GIsle                *self);

/* C only, annotated (skip): direct access to the lua_State, or code run
 * on the worker thread. */
GISLE_AVAILABLE_IN_ALL
GIsle          *g_isle_new_with_setup      (GIsleSetupFunc        setup,
                                            gpointer              user_data,
                                            GDestroyNotify        notify,
                                            GCancellable         *cancellable,
                                            GError              **error);
GISLE_AVAILABLE_IN_ALL
void            g_isle_set_setup_func      (GIsle                *self,
                                            GIsleSetupFunc        setup,
                                            gpointer              user_data,
                                            GDestroyNotify        notify);
GISLE_AVAILABLE_IN_ALL
GVariant       *g_isle_exec                (GIsle                *self,
                                            GIsleExecFunc         func,
                                            gpointer              user_data,
                                            GCancellable         *cancellable,
                                            GError              **error);
GISLE_AVAILABLE_IN_ALL
void            g_isle_exec_async          (GIsle                *self,
                                            GIsleExecFunc         func,
                                            gpointer              user_data,
                                            GDestroyNotify        notify,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              callback_data);
GISLE_AVAILABLE_IN_ALL
GVariant       *g_isle_exec_finish         (GIsle                *self,
                                            GAsyncResult         *result,
                                            GError              **error);
GISLE_AVAILABLE_IN_ALL
void            g_isle_add_worker_function (GIsle                *self,
                                            const char           *name,
                                            GIsleWorkerFunc       func,
                                            gpointer              user_data,
                                            GDestroyNotify        notify);

G_END_DECLS
