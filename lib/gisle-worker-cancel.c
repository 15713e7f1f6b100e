/* gisle-worker-cancel.c: the cancel policy of a worker: who may cancel
 * which job when, the time limit, the grace period and the hard deadline.
 *
 * Floor 10 (the worker's cancel policy): just below gisle-worker.c,
 * which calls it; it reaches the worker only through its GisleOwnerClass
 * (its lock, whether a job is queued or running and where, making the isle
 * defunct at the hard deadline) and completes queued jobs. Its settings
 * and the current job's timers are its own GisleCancelPolicy, which the
 * worker holds; it uses the Lua-side mechanism of gisle-cancel.c (the signal
 * that arms the hook on the worker thread) and the watchdog's timers.
 *
 * Thread rule: gisle_cancel_request() from any thread, under the worker
 * lock for its decisions; the timers' callbacks run on the watchdog thread.
 * A job suspended in a wait is completed by the canceller itself: it has
 * no thread to wake.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-private.h"
#include "gisle-cancel-private.h"
#include "gisle-host-private.h"
#include "gisle-job-private.h"
#include "gisle-worker-cancel-private.h"
#include "gisle-watchdog-private.h"
#include "gisle-dispatch-private.h"

/* The policy's settings and the timers of the worker's current job (only
 * the current job has timers: they are dropped as it stops being
 * current). The worker holds it. */
struct _GisleCancelPolicy
{
  volatile gint default_timeout_ms;    /* milliseconds, atomic */
  volatile gint grace_ms;
  volatile gint hard_ms;
  /* Under the worker lock. */
  GSource *deadline_source;
  gint64 deadline_at;            /* monotonic, when it is due */
  GSource *grace_source;
  GSource *hard_source;
};

GisleCancelPolicy *
gisle_cancel_policy_new (guint grace_ms,
                         guint hard_ms)
{
  GisleCancelPolicy *policy = g_new0 (GisleCancelPolicy, 1);

  policy->grace_ms = (gint) grace_ms;
  policy->hard_ms = (gint) hard_ms;
  return policy;
}

void
gisle_cancel_policy_free (GisleCancelPolicy *policy)
{
  g_assert (policy->deadline_source == NULL && policy->grace_source == NULL &&
            policy->hard_source == NULL);
  g_free (policy);
}

/* From any thread. The setters return whether the value changed. */
guint
gisle_cancel_policy_get_timeout (GisleCancelPolicy *policy)
{
  return (guint) g_atomic_int_get (&policy->default_timeout_ms);
}

gboolean
gisle_cancel_policy_set_timeout (GisleCancelPolicy *policy,
                                 guint              ms)
{
  return (guint) g_atomic_int_exchange (&policy->default_timeout_ms, (gint) ms) != ms;
}

guint
gisle_cancel_policy_get_grace (GisleCancelPolicy *policy)
{
  return (guint) g_atomic_int_get (&policy->grace_ms);
}

gboolean
gisle_cancel_policy_set_grace (GisleCancelPolicy *policy,
                               guint              ms)
{
  return (guint) g_atomic_int_exchange (&policy->grace_ms, (gint) ms) != ms;
}

guint
gisle_cancel_policy_get_hard (GisleCancelPolicy *policy)
{
  return (guint) g_atomic_int_get (&policy->hard_ms);
}

gboolean
gisle_cancel_policy_set_hard (GisleCancelPolicy *policy,
                              guint              ms)
{
  return (guint) g_atomic_int_exchange (&policy->hard_ms, (gint) ms) != ms;
}

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
  GisleWorker *worker = gisle_job_get_worker (job);
  pthread_t thread;
  gboolean defunct;

  gisle_mutex_lock (gisle_owner_get_lock (worker));
  if (gisle_owner_running_locked (worker, job, &thread, &defunct) &&
      gisle_cancel_state_harden (gisle_job_get_cancel (job)))
    {
      gisle_cancel_signal_thread (thread);
      g_cond_broadcast (gisle_owner_get_wake (worker));
    }
  gisle_mutex_unlock (gisle_owner_get_lock (worker));

  return G_SOURCE_REMOVE;
}

static gboolean
gisle_cancel_on_hard_deadline (gpointer data)
{
  GisleJob *job = data;
  GisleWorker *worker = gisle_job_get_worker (job);

  /* A job cancelled while suspended completed at once; its cleanup still
   * counts (make_defunct decides under the lock). */
  gisle_owner_make_defunct (worker, job);
  return G_SOURCE_REMOVE;
}

/* On the worker, before a job cancelled while suspended resumes to run its
 * cleanup: the grace period and the hard deadline count from now, as for
 * a job cancelled while it ran. */
void
gisle_cancel_cleanup_starts (GisleJob *job)
{
  GisleWorker *worker = gisle_job_get_worker (job);
  GisleCancelPolicy *policy = gisle_owner_get_cancel_policy (worker);
  GisleCancelState *cancel = gisle_job_get_cancel (job);

  gisle_mutex_lock (gisle_owner_get_lock (worker));
  if (gisle_job_get_suspend (job)->late_cleanup && policy->grace_source == NULL &&
      gisle_cancel_state_get_phase (cancel) == GISLE_CANCEL_SOFT)
    {
      gisle_cancel_state_set_grace_end (cancel, g_get_monotonic_time () +
                                                (gint64) gisle_cancel_policy_get_grace (policy) * 1000);
      policy->grace_source = gisle_watchdog_add (gisle_cancel_policy_get_grace (policy),
                                                 gisle_cancel_on_grace_over, job);
      policy->hard_source = gisle_watchdog_add (gisle_cancel_policy_get_hard (policy),
                                                gisle_cancel_on_hard_deadline, job);
    }
  gisle_mutex_unlock (gisle_owner_get_lock (worker));
}

void
gisle_cancel_job_started (GisleCancelPolicy *policy,
                          GisleJob          *job)
{
  guint timeout = gisle_job_get_timeout (job);
  GisleWorker *worker;

  if (timeout == 0)
    timeout = (guint) g_atomic_int_get (&policy->default_timeout_ms);

  if (timeout == 0 || gisle_job_get_kind (job) == GISLE_JOB_CONTROL)
    return;

  worker = gisle_job_get_worker (job);
  gisle_mutex_lock (gisle_owner_get_lock (worker));
  policy->deadline_at = g_get_monotonic_time () + (gint64) timeout * 1000;
  policy->deadline_source = gisle_watchdog_add (timeout, gisle_cancel_on_deadline, job);
  gisle_mutex_unlock (gisle_owner_get_lock (worker));
}

/* Under worker->lock, as a debugger pauses @job: its time limit stops, and
 * @remaining_us gets what is left of it (-1 for none). A job is never
 * paused once cancelled, so grace and hard deadline never run meanwhile. */
void
gisle_cancel_pause_clock_locked (GisleJob *job,
                                 gint64   *remaining_us)
{
  GisleCancelPolicy *policy = gisle_owner_get_cancel_policy (gisle_job_get_worker (job));

  *remaining_us = -1;
  if (policy->deadline_source == NULL)
    return;
  *remaining_us = MAX (policy->deadline_at - g_get_monotonic_time (), 0);
  gisle_source_destroy (policy->deadline_source);
  g_clear_pointer (&policy->deadline_source, g_source_unref);
}

/* Under worker->lock, as the paused job goes on: the time limit restarts
 * with what was left. */
void
gisle_cancel_resume_clock_locked (GisleJob *job,
                                  gint64    remaining_us)
{
  GisleCancelPolicy *policy = gisle_owner_get_cancel_policy (gisle_job_get_worker (job));
  guint ms;

  if (remaining_us < 0 || policy->deadline_source != NULL ||
      gisle_job_cancel_phase (job) != GISLE_CANCEL_NONE)
    return;
  ms = (guint) MIN ((remaining_us + 999) / 1000, G_MAXUINT);
  policy->deadline_at = g_get_monotonic_time () + (gint64) ms * 1000;
  policy->deadline_source = gisle_watchdog_add (ms, gisle_cancel_on_deadline, job);
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
gisle_cancel_job_ended_locked (GisleCancelPolicy *policy)
{
  gisle_cancel_drop_source (g_steal_pointer (&policy->deadline_source));
  gisle_cancel_drop_source (g_steal_pointer (&policy->grace_source));
  gisle_cancel_drop_source (g_steal_pointer (&policy->hard_source));
}

/* From any thread: stops @job if it is queued (it then never runs) or
 * running (the signal arms the hook). A job that already finished is left
 * alone, so a late cancel never touches the next job. */
void
gisle_cancel_request (GisleJob *job,
                      gint      reason)
{
  GisleWorker *worker = gisle_job_get_worker (job);
  GisleCancelPolicy *policy = gisle_owner_get_cancel_policy (worker);
  gboolean control = gisle_job_get_kind (job) == GISLE_JOB_CONTROL;
  gboolean was_queued = FALSE;
  gboolean signalled = FALSE;
  gboolean was_parked = FALSE;
  gboolean needs_turn = FALSE;
  GCancellable *host_cancellable = NULL;
  pthread_t thread;
  gboolean defunct;

  gisle_mutex_lock (gisle_owner_get_lock (worker));
  if (gisle_owner_get_suspend (worker)->parked == job &&
      gisle_cancel_state_begin (gisle_job_get_cancel (job), reason, G_MAXINT64,
                                &host_cancellable))
    {
      /* Suspended in a wait: it holds no thread, so it completes now,
       * without waiting for one. Its cleanup code (the cancel raised at
       * the wait, caught by pcall or closing <close> variables) runs when
       * the isle's turn comes; its grace period counts from then
       * (gisle_cancel_cleanup_starts()). */
      gisle_job_get_suspend (job)->late_cleanup = TRUE;
      was_parked = gisle_job_claim (job);
      needs_turn = gisle_owner_wake_locked (worker);
    }
  else if (gisle_owner_unqueue_locked (worker, job))
    was_queued = TRUE;
  else if (gisle_owner_running_locked (worker, job, &thread, &defunct) && !defunct &&
           gisle_cancel_state_begin (gisle_job_get_cancel (job), reason,
                                     control ? G_MAXINT64
                                             : g_get_monotonic_time () +
                                               (gint64) gisle_cancel_policy_get_grace (policy) * 1000,
                                     &host_cancellable))
    {
      gisle_cancel_signal_thread (thread);
      if (!control)
        {
          policy->grace_source = gisle_watchdog_add (gisle_cancel_policy_get_grace (policy),
                                                     gisle_cancel_on_grace_over, job);
          policy->hard_source = gisle_watchdog_add (gisle_cancel_policy_get_hard (policy),
                                                    gisle_cancel_on_hard_deadline, job);
        }
      g_cond_broadcast (gisle_owner_get_wake (worker));
      signalled = TRUE;
    }
  gisle_mutex_unlock (gisle_owner_get_lock (worker));

  if (was_parked || needs_turn || (host_cancellable != NULL && !signalled))
    {
      if (was_parked)
        gisle_job_deliver (job, NULL, gisle_job_cancelled_error (reason));
      if (host_cancellable != NULL)
        gisle_host_cancel_job_calls (worker, host_cancellable);
      if (needs_turn)
        gisle_owner_schedule (worker);
    }
  else if (was_queued)
    {
      gisle_job_complete (job, NULL, gisle_job_cancelled_error (reason));
      gisle_job_unref (job);
    }
  else if (signalled)
    {
      if (host_cancellable != NULL)
        gisle_host_cancel_job_calls (worker, host_cancellable);
      /* Wake a script waiting for output room. */
      gisle_dispatch_wake_writers (worker);
    }
}

