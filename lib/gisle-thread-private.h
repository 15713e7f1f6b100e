/* gisle-thread-private.h: which isle, if any, runs on the calling thread
 * (see gisle-thread.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The GisleWorker whose turn runs on this thread now, or NULL. Set and
 * cleared only by the worker floor (gisle-worker.c), read by the floors
 * below it (host functions) that must not call it; opaque here. */
extern __thread gpointer gisle_thread_worker;

G_END_DECLS
