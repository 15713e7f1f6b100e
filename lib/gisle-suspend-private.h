/* gisle-suspend-private.h: waits that give the thread back (see
 * gisle-suspend.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <lua.h>

G_BEGIN_DECLS

struct _GisleWorker;
struct _GisleJob;

/* A job's coroutine, while the job runs Lua code (worker thread only). */
typedef struct
{
  lua_State *co;                 /* the job's coroutine, or NULL */
  int co_ref;                    /* its registry reference, or LUA_NOREF */
  gboolean yielding;             /* the last yield is a wait's, not the script's */
  lua_State *running;            /* the job's coroutine or task resumed now */
  int tasks_ref;                 /* registry: its tasks (gisle-tasks.c), or LUA_NOREF */
  gboolean progress;             /* a task was started during this pass */
  gboolean main_done;            /* its own coroutine ended, ... */
  int main_status;               /* ... this way, ... */
  int main_nres;                 /* ... leaving this many values on it */
  /* The soft cancel is raised once in each coroutine (gisle-tasks.c). */
  lua_State *soft_seen_by;       /* where it was raised last */
  gboolean main_cancel_seen;
  /* Under worker->lock: cancelled while suspended, so completed already;
   * its cleanup runs when it resumes. */
  gboolean late_cleanup;
} GisleJobSuspend;

/* The isle's side (fields under worker->lock unless said otherwise). */
typedef struct
{
  struct _GisleJob *parked;      /* the current job, suspended in a wait */
  gboolean wake_pending;         /* something the wait waits for happened */
  int spare_co_ref;              /* worker thread: a coroutine to reuse */
  lua_State *spare_co;
  gboolean output_waits;         /* under dispatch_lock: a wait wants room */
  /* Statistics, atomic. */
  volatile gint64 n_suspended;
  volatile gint64 n_blocking;
} GisleWorkerSuspend;

void      gisle_suspend_worker_init   (struct _GisleWorker *worker);

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
void      gisle_suspend_new_pass      (struct _GisleWorker *worker);
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
void      gisle_suspend_soft_cancel_for (struct _GisleJob *job,
                                         lua_State        *co,
                                         gboolean         *seen);

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

/* gisle-worker.c. From any thread, once what a suspended wait of
 * @worker's current job waits for has happened. */
void      gisle_suspend_wake          (struct _GisleWorker *worker);
/* The same under worker->lock; returns whether the caller must schedule
 * the isle on its executor once unlocked. */
gboolean  gisle_suspend_wake_locked   (struct _GisleWorker *worker);

/* A timer on the watchdog thread that wakes @worker in @ms milliseconds. */
GSource  *gisle_suspend_timer_new     (struct _GisleWorker *worker,
                                       guint          ms);

G_END_DECLS
