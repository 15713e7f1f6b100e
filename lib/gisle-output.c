/* gisle-output.c: what scripts print, on its way to the main context.
 *
 * Floor 6 (values, output, invocations): it queues on the delivery queue
 * and waits for room there, a cancellation point; the wait suspends the
 * job where Lua can yield (gisle-suspend.c), and the drain wakes it.
 *
 * Thread rule: runs on the thread that runs the isle; the text is
 * emitted later in the owner context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-private.h"
#include "gisle-cancel-private.h"
#include "gisle-dispatch-private.h"
#include "gisle-output-private.h"
#include "gisle-suspend-private.h"

/* Warnings never wait (Lua may emit them from the garbage collector, where
 * nothing may block or raise), so they are dropped past this much backlog. */
#define GISLE_WARNING_LIMIT (4 * GISLE_OUTPUT_HIGH_WATER)

static guint64
gisle_output_job_id (lua_State *L)
{
  return gisle_cancel_current_job_id (L);
}

/* When the host falls behind, the script waits here instead of growing
 * the queue without bound; a cancel wakes it (and raises). Output, events
 * and progress share the budget. */
void
gisle_output_wait_room (lua_State *L)
{
  GisleWorker *worker = gisle_worker_from_lua (L);
  gboolean cancelled = FALSE;

  gisle_dispatch_lock (worker);
  if (gisle_dispatch_get_output_pending (worker) > GISLE_OUTPUT_HIGH_WATER)
    gisle_suspend_count_blocking (L);
  while (gisle_dispatch_get_output_pending (worker) > GISLE_OUTPUT_HIGH_WATER &&
         !(cancelled = gisle_cancel_is_due (L)))
    {
      /* A home thread blocked in a call cannot run its main loop: it
       * drains the output itself, or this would wait for it forever. */
      gisle_dispatch_nudge_blocked_caller (worker);
      gisle_dispatch_wait_output_room (worker);
    }
  gisle_dispatch_unlock (worker);

  if (cancelled)
    gisle_cancel_check (L);
}

static gboolean
gisle_output_is_behind (GisleWorker *worker)
{
  gboolean behind;

  gisle_dispatch_lock (worker);
  behind = gisle_dispatch_get_output_pending (worker) > GISLE_OUTPUT_HIGH_WATER;
  if (behind)
    {
      /* The drain wakes the isle once there is room again. */
      gisle_owner_get_suspend (worker)->output_waits = TRUE;
      gisle_dispatch_nudge_blocked_caller (worker);
    }
  gisle_dispatch_unlock (worker);
  return behind;
}

/* Whether the main context is behind and the calling function must wait
 * before it writes, suspended (gisle_output_suspend()). Cheap when there
 * is room: one lock, no system call. */
gboolean
gisle_output_must_suspend (lua_State *L)
{
  return gisle_suspend_possible (L) && gisle_output_is_behind (gisle_worker_from_lua (L));
}

/* Suspends the calling function until there is room, then calls @restart,
 * which starts the function again (it did nothing yet). */
/* A job cancelled while it waited was answered at the cancel, and it may
 * be resumed for its cleanup only once the room came: the write it waited
 * for must not happen after that answer, so the cancel is raised first. */
static int
gisle_output_restart_k (lua_State     *L,
                        int            status,
                        lua_KContext   restart)
{
  gisle_cancel_check (L);
  return ((lua_KFunction) restart) (L, status, 0);
}

int
gisle_output_suspend (lua_State     *L,
                      lua_KFunction  restart)
{
  if (gisle_suspend_begin (L) && gisle_output_is_behind (gisle_worker_from_lua (L)))
    return gisle_suspend_yield (L, (lua_KContext) restart, gisle_output_restart_k);
  return restart (L, LUA_OK, 0);
}

static int
gisle_output_room_k (lua_State     *L,
                     int            status,
                     lua_KContext   nresults)
{
  if (gisle_suspend_begin (L) && gisle_output_is_behind (gisle_worker_from_lua (L)))
    return gisle_suspend_yield_again (L, nresults, gisle_output_room_k);
  gisle_output_wait_room (L);
  return (int) nresults;
}

/* For the end of a lua_CFunction that queued something: waits for room,
 * suspended if it can, and then returns its @nresults. */
int
gisle_output_wait_room_k (lua_State *L,
                          int        nresults)
{
  GisleWorker *worker = gisle_worker_from_lua (L);

  if (!gisle_output_is_behind (worker))
    return nresults;
  if (gisle_suspend_begin (L) && gisle_output_is_behind (worker))
    return gisle_suspend_yield (L, nresults, gisle_output_room_k);
  gisle_output_wait_room (L);
  return nresults;
}

void
gisle_output_write (lua_State   *L,
                    GIsleStream  stream,
                    const char  *data,
                    gsize        len)
{
  GisleWorker *worker = gisle_worker_from_lua (L);

  if (len == 0)
    return;

  gisle_output_wait_room (L);
  gisle_dispatch_lock (worker);
  gisle_dispatch_output (worker, gisle_output_job_id (L), stream, data, len);
  gisle_dispatch_unlock (worker);
}

void
gisle_output_warning (lua_State  *L,
                      const char *data,
                      gsize       len)
{
  GisleWorker *worker = gisle_worker_from_lua (L);

  gisle_dispatch_lock (worker);
  if (gisle_dispatch_get_output_pending (worker) <= GISLE_WARNING_LIMIT)
    gisle_dispatch_output (worker, gisle_output_job_id (L), G_ISLE_STREAM_WARNING, data, len);
  gisle_dispatch_unlock (worker);
}
