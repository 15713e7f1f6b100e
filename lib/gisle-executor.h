/* gisle-executor.h: a few threads shared by many isles.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(GISLE_INSIDE) && !defined(GISLE_COMPILATION)
#error "Only <gisle.h> can be included directly."
#endif

#include "gisle-types.h"

G_BEGIN_DECLS

#define G_TYPE_ISLE_EXECUTOR (g_isle_executor_get_type ())

GISLE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GIsleExecutor, g_isle_executor, G, ISLE_EXECUTOR, GObject)

GISLE_AVAILABLE_IN_ALL
GIsleExecutor *g_isle_executor_new           (guint          n_threads);
GISLE_AVAILABLE_IN_ALL
guint          g_isle_executor_get_n_threads (GIsleExecutor *self);
GISLE_AVAILABLE_IN_ALL
guint          g_isle_executor_get_n_isles   (GIsleExecutor *self);
GISLE_AVAILABLE_IN_ALL
GIsle         *g_isle_executor_lookup        (GIsleExecutor *self,
                                              const char    *name);

G_END_DECLS
