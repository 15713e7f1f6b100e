/* gisle-suspend-private.h: waits that give the thread back (see
 * gisle-suspend.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-private.h"

G_BEGIN_DECLS

void      gisle_suspend_worker_init   (GisleWorker *worker);

/* Waits, on the worker thread, in a lua_CFunction. The pattern:
 *
 *   if (gisle_suspend_begin (L))     -- may suspend
 *     {
 *       if (!ready)                   -- checked after begin, never before
 *         return gisle_suspend_yield (L, ctx, k);
 *     }
 *   else
 *     block as before (counted by gisle_suspend_count_blocking())
 *
 * and the continuation @k does the same again: a wake-up may be spurious. */
gboolean  gisle_suspend_begin         (lua_State     *L);
/* Before each pass of the job over its coroutines (gisle-job.c). */
void      gisle_suspend_new_pass      (GisleWorker *worker);
int       gisle_suspend_yield         (lua_State     *L,
                                       lua_KContext   ctx,
                                       lua_KFunction  k);
/* The same from a continuation: the wait is already counted. */
int       gisle_suspend_yield_again   (lua_State     *L,
                                       lua_KContext   ctx,
                                       lua_KFunction  k);
void      gisle_suspend_count_blocking (lua_State    *L);
/* Before resuming @co (the job's coroutine or a task): a soft cancel not
 * yet raised there will be (each may clean up once). */
void      gisle_suspend_soft_cancel_for (GisleJobSuspend *job,
                                         lua_State       *co,
                                         gboolean        *seen);

/* Whether a wait in @L could suspend now (nothing is changed). */
gboolean  gisle_suspend_possible      (lua_State     *L);

/* C resources a suspended wait holds, in a userdata on @L's stack: made
 * empty by gisle_suspend_anchor_push() (which may raise, owning nothing),
 * filled by gisle_suspend_anchor_set(); given back by
 * gisle_suspend_anchor_take() when the wait ends, or released by the
 * garbage collector if the coroutine is dropped first. */
int       gisle_suspend_anchor_push   (lua_State     *L);
void      gisle_suspend_anchor_set    (lua_State     *L,
                                       int            idx,
                                       gpointer       data,
                                       GDestroyNotify release);
gpointer  gisle_suspend_anchor_peek   (lua_State     *L,
                                       int            idx);
gpointer  gisle_suspend_anchor_take   (lua_State     *L,
                                       int            idx);


/* A timer on the watchdog thread that wakes @worker in @ms milliseconds. */
GSource  *gisle_suspend_timer_new     (GisleWorker *worker,
                                       guint          ms);

G_END_DECLS
