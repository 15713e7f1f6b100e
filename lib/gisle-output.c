/* gisle-output.c: what scripts print, on its way to the main context.
 *
 * Floor 6 (values, output, invocations): it queues on the delivery queue
 * and waits for room there, a cancellation point.
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

/* Warnings never wait (Lua may emit them from the garbage collector, where
 * nothing may block or raise), so they are dropped past this much backlog. */
#define GISLE_WARNING_LIMIT (4 * GISLE_OUTPUT_HIGH_WATER)

static guint64
gisle_output_job_id (lua_State *L)
{
  GisleJob *job = gisle_cancel_current_job (L);

  return job != NULL ? job->id : 0;
}

/* When the host falls behind, the script waits here instead of growing
 * the queue without bound; a cancel wakes it (and raises). Output, events
 * and progress share the budget. */
void
gisle_output_wait_room (lua_State *L)
{
  GisleWorker *worker = gisle_worker_from_lua (L);
  gboolean cancelled = FALSE;

  gisle_mutex_lock (&worker->dispatch_lock);
  while (worker->output_pending > GISLE_OUTPUT_HIGH_WATER &&
         !(cancelled = gisle_cancel_is_due (L)))
    {
      /* A home thread blocked in a call cannot run its main loop: it
       * drains the output itself, or this would wait for it forever. */
      gisle_dispatch_nudge_blocked_caller (worker);
      gisle_cond_wait (&worker->output_cond, &worker->dispatch_lock);
    }
  gisle_mutex_unlock (&worker->dispatch_lock);

  if (cancelled)
    gisle_cancel_check (L);
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
  gisle_mutex_lock (&worker->dispatch_lock);
  gisle_dispatch_output (worker, gisle_output_job_id (L), stream, data, len);
  gisle_mutex_unlock (&worker->dispatch_lock);
}

void
gisle_output_warning (lua_State  *L,
                      const char *data,
                      gsize       len)
{
  GisleWorker *worker = gisle_worker_from_lua (L);

  gisle_mutex_lock (&worker->dispatch_lock);
  if (worker->output_pending <= GISLE_WARNING_LIMIT)
    gisle_dispatch_output (worker, gisle_output_job_id (L), G_ISLE_STREAM_WARNING, data, len);
  gisle_mutex_unlock (&worker->dispatch_lock);
}
