/* gisle-worker-cancel.c: the cancel policy of a worker: who may cancel
 * which job when, the time limit, the grace period and the hard deadline.
 *
 * Floor 10 (the worker's cancel policy): just below gisle-worker.c,
 * which calls it; it reaches the worker only through its GisleOwnerClass
 * (to make the isle defunct at the hard deadline) and completes queued
 * jobs; it uses the Lua-side mechanism of gisle-cancel.c (the signal
 * that arms the hook on the worker thread) and the watchdog's timers.
 *
 * Thread rule: gisle_cancel_request() from any thread, under the worker
 * lock for its decisions; the timers' callbacks run on the watchdog thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-private.h"
#include "gisle-cancel-private.h"
#include "gisle-host-private.h"
#include "gisle-job-private.h"
#include "gisle-worker-cancel-private.h"
#include "gisle-watchdog-private.h"

static GSource *
gisle_watchdog_add (guint        ms,
                    GSourceFunc  func,
                    GisleJob    *job)
{
  return gisle_watchdog_add_full (ms, func, gisle_job_ref (job), (GDestroyNotify) gisle_job_unref);
}

static gboolean
gisle_cancel_on_deadline (gpointer data)
{
  gisle_cancel_request (data, G_IO_ERROR_TIMED_OUT);
  return G_SOURCE_REMOVE;
}

static gboolean
gisle_cancel_on_grace_over (gpointer data)
{
  GisleJob *job = data;
  GisleWorker *worker = job->worker;

  gisle_mutex_lock (&worker->lock);
  if (worker->current == job &&
      g_atomic_int_get (&job->cancel_phase) == GISLE_CANCEL_SOFT)
    {
      g_atomic_int_set (&job->cancel_phase, GISLE_CANCEL_HARD);
      gisle_cancel_signal_thread (worker->pthread);
      g_cond_broadcast (&worker->work_cond);
    }
  gisle_mutex_unlock (&worker->lock);

  return G_SOURCE_REMOVE;
}

static gboolean
gisle_cancel_on_hard_deadline (gpointer data)
{
  GisleJob *job = data;

  if (!g_atomic_int_get (&job->completed))
    job->worker->owner_class->make_defunct (job->worker, job);
  return G_SOURCE_REMOVE;
}

void
gisle_cancel_job_started (GisleJob *job)
{
  GisleWorker *worker = job->worker;
  guint timeout = job->timeout_ms;

  if (timeout == 0)
    timeout = (guint) g_atomic_int_get (&worker->default_timeout_ms);

  if (timeout == 0 || job->kind == GISLE_JOB_CONTROL)
    return;

  gisle_mutex_lock (&worker->lock);
  job->deadline_at = g_get_monotonic_time () + (gint64) timeout * 1000;
  job->deadline_source = gisle_watchdog_add (timeout, gisle_cancel_on_deadline, job);
  gisle_mutex_unlock (&worker->lock);
}

/* Under worker->lock, as a debugger pauses @job: its time limit stops, and
 * @remaining_us gets what is left of it (-1 for none). A job is never
 * paused once cancelled, so grace and hard deadline never run meanwhile. */
void
gisle_cancel_pause_clock_locked (GisleJob *job,
                                 gint64   *remaining_us)
{
  *remaining_us = -1;
  if (job->deadline_source == NULL)
    return;
  *remaining_us = MAX (job->deadline_at - g_get_monotonic_time (), 0);
  gisle_source_destroy (job->deadline_source);
  g_clear_pointer (&job->deadline_source, g_source_unref);
}

/* Under worker->lock, as the paused job goes on: the time limit restarts
 * with what was left. */
void
gisle_cancel_resume_clock_locked (GisleJob *job,
                                  gint64    remaining_us)
{
  guint ms;

  if (remaining_us < 0 || job->deadline_source != NULL ||
      g_atomic_int_get (&job->cancel_phase) != GISLE_CANCEL_NONE)
    return;
  ms = (guint) MIN ((remaining_us + 999) / 1000, G_MAXUINT);
  job->deadline_at = g_get_monotonic_time () + (gint64) ms * 1000;
  job->deadline_source = gisle_watchdog_add (ms, gisle_cancel_on_deadline, job);
}

static void
gisle_cancel_drop_source (GSource *source)
{
  if (source != NULL)
    {
      gisle_source_destroy (source);
      g_source_unref (source);
    }
}

/* Under worker->lock, as the job stops being current: no timer can act on
 * it any more. Destroying a source whose callback is running is safe: the
 * callback then waits for this lock and finds the job no longer current.
 * Most jobs have no timers, and the worker takes its lock only once per
 * job, so this adds nothing to the common path. */
void
gisle_cancel_job_ended_locked (GisleJob *job)
{
  gisle_cancel_drop_source (g_steal_pointer (&job->deadline_source));
  gisle_cancel_drop_source (g_steal_pointer (&job->grace_source));
  gisle_cancel_drop_source (g_steal_pointer (&job->hard_source));
}

/* From any thread: stops @job if it is queued (it then never runs) or
 * running (the signal arms the hook). A job that already finished is left
 * alone, so a late cancel never touches the next job. */
void
gisle_cancel_request (GisleJob *job,
                      gint      reason)
{
  GisleWorker *worker = job->worker;
  gboolean was_queued = FALSE;
  gboolean signalled = FALSE;
  GCancellable *host_cancellable = NULL;

  gisle_mutex_lock (&worker->lock);
  if (job->queued)
    {
      g_queue_unlink (&worker->queue, &job->queue_link);
      job->queued = FALSE;
      was_queued = TRUE;
      if (worker->space_waiters > 0)
        g_cond_signal (&worker->space_cond);
    }
  else if (worker->current == job && !worker->defunct &&
           g_atomic_int_get (&job->cancel_phase) == GISLE_CANCEL_NONE)
    {
      job->cancel_reason = reason;
      /* Written before the phase, which publishes it to the worker. */
      job->grace_ends_at = job->kind == GISLE_JOB_CONTROL
                           ? G_MAXINT64
                           : g_get_monotonic_time () +
                             (gint64) g_atomic_int_get (&worker->grace_ms) * 1000;
      g_atomic_int_set (&job->cancel_phase, GISLE_CANCEL_SOFT);
      gisle_cancel_signal_thread (worker->pthread);
      if (job->host_cancellable != NULL)
        host_cancellable = g_object_ref (job->host_cancellable);
      if (job->kind != GISLE_JOB_CONTROL)
        {
          job->grace_source = gisle_watchdog_add ((guint) g_atomic_int_get (&worker->grace_ms),
                                                  gisle_cancel_on_grace_over, job);
          job->hard_source = gisle_watchdog_add ((guint) g_atomic_int_get (&worker->hard_ms),
                                                 gisle_cancel_on_hard_deadline, job);
        }
      g_cond_broadcast (&worker->work_cond);
      signalled = TRUE;
    }
  gisle_mutex_unlock (&worker->lock);

  if (was_queued)
    {
      gisle_job_complete (job, NULL, gisle_job_cancelled_error (reason));
      gisle_job_unref (job);
    }
  else if (signalled)
    {
      if (host_cancellable != NULL)
        gisle_host_cancel_job_calls (worker, host_cancellable);
      /* Wake a script waiting for output room. */
      gisle_mutex_lock (&worker->dispatch_lock);
      g_cond_broadcast (&worker->output_cond);
      gisle_mutex_unlock (&worker->dispatch_lock);
    }
}

