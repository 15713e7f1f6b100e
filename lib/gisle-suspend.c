/* gisle-suspend.c: waits that give the thread back.
 *
 * Floor 5 (beside the delivery queue): the Lua side of suspension, above
 * the Lua side of cancelling: it decides whether a wait can yield and keeps
 * what a suspended wait holds. The worker's side (parking the job, waking
 * it, scheduling the isle again) is in gisle-worker.c, reached through the
 * owner class; the waits themselves are in gisle-output.c (back-pressure),
 * gisle-host.c (host functions, isle.sleep, events) and gisle-tasks.c.
 *
 * A job's Lua code runs in a coroutine of its own (gisle-job.c). A wait in
 * a C function of that coroutine yields (lua_yieldk, with a continuation)
 * instead of blocking; the job stays the isle's current job, and the worker
 * parks it and gives its thread back. Whatever the wait waits for calls
 * gisle_suspend_wake(); the worker resumes the coroutine, and the
 * continuation checks again (a wake may be spurious) and either goes on or
 * yields again.
 *
 * Where Lua cannot yield (in a table.sort comparator, a string.gsub
 * callback, a C function called without a continuation, a coroutine the
 * script resumed itself, cleanup code after a cancel, a job that is not
 * an eval or a call), the wait blocks as before; both kinds are counted.
 *
 * Thread rule: everything taking a lua_State runs on the worker thread;
 * the anchors' resources are released there too (by the job or the
 * garbage collector).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-private.h"
#include "gisle-cancel-private.h"
#include "gisle-suspend-private.h"
#include "gisle-watchdog-private.h"

#include <lauxlib.h>

typedef struct
{
  gpointer data;
  GDestroyNotify release;
} GisleSuspendAnchor;

static const char gisle_suspend_anchor_key = 'a';

void
gisle_suspend_worker_init (GisleWorker *worker)
{
  gisle_owner_get_suspend (worker)->spare_co_ref = LUA_NOREF;
}

/* The job whose coroutine @L is, if a wait there may yield to the job. */
gboolean
gisle_suspend_possible (lua_State *L)
{
  GisleRun *run = gisle_cancel_get_run ();
  GisleJobSuspend *job = gisle_cancel_current_suspend (L);

  /* Only the job's coroutine and its tasks yield to the worker: a
   * coroutine the script resumed would hand the wait's yield to the
   * script. */
  return job != NULL && job->running == L &&
         gisle_cancel_run_get_depth (run) == 1 && gisle_cancel_run_get_state (run, 0) == L &&
         lua_isyieldable (L) &&
         gisle_cancel_state_get_phase (job->cancel) == GISLE_CANCEL_NONE;
}

void
gisle_suspend_soft_cancel_for (GisleJobSuspend *job,
                               lua_State       *co,
                               gboolean        *seen)
{
  if (*seen || gisle_cancel_state_get_phase (job->cancel) != GISLE_CANCEL_SOFT)
    return;
  *seen = TRUE;
  if (gisle_cancel_state_soft_delivered (job->cancel) && job->soft_seen_by != co)
    gisle_cancel_state_unset_soft_delivered (job->cancel);
}

/* The job's wake flag was cleared when the current pass over its
 * coroutines began (gisle_suspend_new_pass()), before the caller checks
 * its condition: a wake from then on is seen when the worker parks the
 * job. Clearing it here instead would lose the wake of another task whose
 * wait ended meanwhile. */
gboolean
gisle_suspend_begin (lua_State *L)
{
  return gisle_suspend_possible (L);
}

void
gisle_suspend_new_pass (GisleWorker *worker)
{
  gisle_mutex_lock (gisle_owner_get_lock (worker));
  gisle_owner_get_suspend (worker)->wake_pending = FALSE;
  gisle_mutex_unlock (gisle_owner_get_lock (worker));
}

int
gisle_suspend_yield_again (lua_State     *L,
                           lua_KContext   ctx,
                           lua_KFunction  k)
{
  GisleJobSuspend *job = gisle_cancel_current_suspend (L);

  job->yielding = TRUE;
  return lua_yieldk (L, 0, ctx, k);
}

int
gisle_suspend_yield (lua_State     *L,
                     lua_KContext   ctx,
                     lua_KFunction  k)
{
  GisleWorker *worker = gisle_worker_from_lua (L);

  __atomic_add_fetch (&gisle_owner_get_suspend (worker)->n_suspended, 1, __ATOMIC_RELAXED);
  return gisle_suspend_yield_again (L, ctx, k);
}

void
gisle_suspend_count_blocking (lua_State *L)
{
  GisleWorker *worker = gisle_worker_from_lua (L);

  __atomic_add_fetch (&gisle_owner_get_suspend (worker)->n_blocking, 1, __ATOMIC_RELAXED);
}

/* ---- Anchors ------------------------------------------------------------ */

static int
gisle_suspend_anchor_gc (lua_State *L)
{
  GisleSuspendAnchor *anchor = lua_touserdata (L, 1);

  if (anchor->release != NULL && anchor->data != NULL)
    anchor->release (g_steal_pointer (&anchor->data));
  return 0;
}

int
gisle_suspend_anchor_push (lua_State *L)
{
  GisleSuspendAnchor *anchor = lua_newuserdatauv (L, sizeof (GisleSuspendAnchor), 0);

  anchor->data = NULL;
  anchor->release = NULL;
  if (lua_rawgetp (L, LUA_REGISTRYINDEX, &gisle_suspend_anchor_key) != LUA_TTABLE)
    {
      lua_pop (L, 1);
      lua_createtable (L, 0, 1);
      lua_pushcfunction (L, gisle_suspend_anchor_gc);
      lua_setfield (L, -2, "__gc");
      lua_pushvalue (L, -1);
      lua_rawsetp (L, LUA_REGISTRYINDEX, &gisle_suspend_anchor_key);
    }
  lua_setmetatable (L, -2);
  return lua_gettop (L);
}

void
gisle_suspend_anchor_set (lua_State      *L,
                          int             idx,
                          gpointer        data,
                          GDestroyNotify  release)
{
  GisleSuspendAnchor *anchor = lua_touserdata (L, idx);

  anchor->data = data;
  anchor->release = release;
}

gpointer
gisle_suspend_anchor_peek (lua_State *L,
                           int        idx)
{
  GisleSuspendAnchor *anchor = lua_touserdata (L, idx);

  return anchor->data;
}

gpointer
gisle_suspend_anchor_take (lua_State *L,
                           int        idx)
{
  GisleSuspendAnchor *anchor = lua_touserdata (L, idx);

  return g_steal_pointer (&anchor->data);
}

/* ---- Timers ------------------------------------------------------------- */

static gboolean
gisle_suspend_on_timer (gpointer data)
{
  gisle_suspend_wake (data);
  return G_SOURCE_REMOVE;
}

GSource *
gisle_suspend_timer_new (GisleWorker *worker,
                         guint        ms)
{
  return gisle_watchdog_add_full (ms, gisle_suspend_on_timer, gisle_owner_ref (worker),
                                  (GDestroyNotify) gisle_owner_unref);
}
