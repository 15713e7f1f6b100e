/* gisle-pool.h: isles checked out and returned, like database connections.
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

#define G_TYPE_ISLE_POOL (g_isle_pool_get_type ())

GISLE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GIslePool, g_isle_pool, G, ISLE_POOL, GObject)

GISLE_AVAILABLE_IN_ALL
GIslePool     *g_isle_pool_new              (GIsleExecutor       *executor,
                                             guint                max_size,
                                             gboolean             warm);
GISLE_AVAILABLE_IN_ALL
GIsle         *g_isle_pool_checkout         (GIslePool           *self,
                                             guint                timeout_ms,
                                             GCancellable        *cancellable,
                                             GError             **error);
GISLE_AVAILABLE_IN_ALL
void           g_isle_pool_checkout_async   (GIslePool           *self,
                                             guint                timeout_ms,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
GISLE_AVAILABLE_IN_ALL
GIsle         *g_isle_pool_checkout_finish  (GIslePool           *self,
                                             GAsyncResult        *result,
                                             GError             **error);
GISLE_AVAILABLE_IN_ALL
void           g_isle_pool_give_back        (GIslePool           *self,
                                             GIsle               *isle);
GISLE_AVAILABLE_IN_ALL
void           g_isle_pool_discard          (GIslePool           *self,
                                             GIsle               *isle);
GISLE_AVAILABLE_IN_ALL
guint          g_isle_pool_get_n_active     (GIslePool           *self);
GISLE_AVAILABLE_IN_ALL
guint          g_isle_pool_get_n_idle       (GIslePool           *self);
GISLE_AVAILABLE_IN_ALL
guint          g_isle_pool_get_max_size     (GIslePool           *self);
GISLE_AVAILABLE_IN_ALL
gboolean       g_isle_pool_get_warm         (GIslePool           *self);
GISLE_AVAILABLE_IN_ALL
GIsleExecutor *g_isle_pool_get_executor     (GIslePool           *self);

G_END_DECLS
