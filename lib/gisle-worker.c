/* gisle-worker.c: the isle's thread, its job queue and its Lua allocator.
 *
 * Floor 11 (the worker): thread or executor turns, the queue, the
 * lifecycle and setup; the cancel policy below it decides the cancels.
 *
 * Thread rule: the queue and lifecycle are under worker->lock; the Lua
 * state is made, used and closed only by the thread running the isle's
 * turn (gisle_thread_worker names it).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-private.h"
#include "gisle-cancel-private.h"
#include "gisle-dispatch-private.h"
#include "gisle-host-private.h"
#include "gisle-job-private.h"
#include "gisle-state-private.h"
#include "gisle-worker-cancel-private.h"
#include "gisle-worker-private.h"
#include "gisle-i18n-private.h"

#include <lauxlib.h>

#define DEFAULT_QUEUE_CAPACITY 256
#define DEFAULT_GRACE_MS       100
#define DEFAULT_HARD_MS        1000

/* How the floors below (jobs, host calls, the delivery queue) hold a
 * worker. */
static const GisleOwnerClass gisle_worker_owner_class = {
  .ref = gisle_worker_ref,
  .try_ref = gisle_worker_try_ref,
  .unref = gisle_worker_unref,
  .make_defunct = gisle_worker_make_defunct,
};

GisleWorker *
gisle_worker_new (void)
{
  GisleWorker *worker = g_new0 (GisleWorker, 1);

  worker->ref_count = 1;
  worker->owner_class = &gisle_worker_owner_class;
  worker->thread_name = g_strdup ("gisle");
  worker->queue_capacity = DEFAULT_QUEUE_CAPACITY;
  worker->libraries = G_ISLE_LIBRARIES_SAFE;
  worker->grace_ms = DEFAULT_GRACE_MS;
  worker->hard_ms = DEFAULT_HARD_MS;
  worker->owner_context = g_main_context_ref_thread_default ();
  worker->home_thread = g_thread_self ();
  g_weak_ref_init (&worker->isle, NULL);
  g_mutex_init (&worker->lock);
  g_cond_init (&worker->work_cond);
  g_cond_init (&worker->space_cond);
  g_queue_init (&worker->queue);
  worker->close_waiters = g_ptr_array_new ();
  worker->setup_waiters = g_ptr_array_new ();
  worker->host_functions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                  gisle_host_function_free);
  worker->run.worker = worker;
  g_mutex_init (&worker->dispatch_lock);
  g_cond_init (&worker->output_cond);
  worker->dispatchers = g_ptr_array_new ();

  return worker;
}

GisleWorker *
gisle_worker_ref (GisleWorker *worker)
{
  g_atomic_int_inc (&worker->ref_count);
  return worker;
}

/* Takes a reference unless the last one is already gone. */
gboolean
gisle_worker_try_ref (GisleWorker *worker)
{
  gint count = g_atomic_int_get (&worker->ref_count);

  while (count > 0)
    if (__atomic_compare_exchange_n (&worker->ref_count, &count, count + 1, FALSE,
                                     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
      return TRUE;
  return FALSE;
}

void
gisle_worker_unref (GisleWorker *worker)
{
  if (!g_atomic_int_dec_and_test (&worker->ref_count))
    return;

  /* The thread held a reference until it exited, so no job and no Lua
   * state remain here. */
  g_assert (worker->L == NULL);
  g_assert (g_queue_is_empty (&worker->queue));

  /* The debugger's shared state, if one was ever attached. */
  if (worker->run.hooks != NULL)
    worker->run.hooks->release (worker->run.hooks_data);
  gisle_dispatch_forget_worker (worker);
  gisle_dispatch_free_all (worker);
  g_ptr_array_unref (worker->dispatchers);
  g_clear_pointer (&worker->executor, gisle_executor_unref);
  g_free (worker->name);
  g_ptr_array_unref (worker->close_waiters);
  g_assert (worker->setup_job == NULL);
  g_ptr_array_unref (worker->setup_waiters);
  g_clear_error (&worker->setup_error);
  g_hash_table_unref (worker->host_functions);
  if (worker->setup_notify)
    worker->setup_notify (worker->setup_data);
  g_weak_ref_clear (&worker->isle);
  gisle_main_context_unref (worker->owner_context);
  g_mutex_clear (&worker->lock);
  g_cond_clear (&worker->work_cond);
  g_cond_clear (&worker->space_cond);
  g_mutex_clear (&worker->dispatch_lock);
  g_cond_clear (&worker->output_cond);
  g_free (worker->thread_name);
  g_free (worker->setup_code);
  g_free (worker);
}

/* Which isle, if any, owns the calling thread: gisle_thread_worker
 * (gisle-thread.c, low enough for the host functions to read it). */

gboolean
gisle_worker_is_self (GisleWorker *worker)
{
  return gisle_thread_worker == worker;
}

gboolean
gisle_worker_in_any_worker (void)
{
  return gisle_thread_worker != NULL;
}

/* Whether waiting here for @worker could wait for ourselves: we run a job
 * of an isle on the same executor, whose threads might all be waiting. */
gboolean
gisle_worker_waiting_could_deadlock (GisleWorker *worker)
{
  return gisle_thread_worker == worker ||
         (gisle_thread_worker != NULL && worker->executor != NULL &&
          ((GisleWorker *) gisle_thread_worker)->executor == worker->executor);
}

/* Under worker->lock: makes the next queued job current. */
static GisleJob *
gisle_worker_pop_locked (GisleWorker *worker)
{
  GList *link = g_queue_pop_head_link (&worker->queue);
  GisleJob *job = link != NULL ? link->data : NULL;

  if (job != NULL)
    {
      job->queued = FALSE;
      worker->current = job;
      if (worker->space_waiters > 0)
        g_cond_signal (&worker->space_cond);
    }
  return job;
}

/* Under worker->lock: @job is no longer current, so cancels and timers
 * leave it alone. Returns whether the isle went defunct meanwhile. */
static gboolean
gisle_worker_retire_locked (GisleWorker *worker,
                            GisleJob    *job)
{
  worker->current = NULL;
  gisle_cancel_job_ended_locked (job);
  return worker->defunct;
}

/* Retires @finished (if not NULL) and takes the next job, or returns NULL
 * when the worker should exit. Under load both happen in one acquisition
 * of the lock: submitters contend for it, and at a few hundred thousand
 * jobs a second each extra acquisition shows. */
static GisleJob *
gisle_worker_next_job (GisleWorker *worker,
                       GisleJob    *finished)
{
  GisleJob *job = NULL;
  gboolean defunct = FALSE;

  gisle_mutex_lock (&worker->lock);
  if (finished != NULL)
    defunct = gisle_worker_retire_locked (worker, finished);
  if (!defunct)
    {
      while (g_queue_is_empty (&worker->queue) && !worker->closing && !worker->defunct)
        {
          /* Submitters wake this thread only when it says it is waiting:
           * g_cond_signal() is a system call even with nobody to wake. */
          worker->idle = TRUE;
          gisle_cond_wait (&worker->work_cond, &worker->lock);
          worker->idle = FALSE;
        }
      job = gisle_worker_pop_locked (worker);
    }
  gisle_mutex_unlock (&worker->lock);

  /* Dropped only now: the last reference may finalize the job. */
  if (finished != NULL)
    gisle_job_unref (finished);
  return job;
}

static gboolean gisle_worker_on_close_deadline (gpointer data);

/* Under worker->lock, once the close runs on a thread and someone waits
 * for it. The deadline counts from here, never while the close waits for a
 * thread: on a busy executor a close may wait in line for a long time, and
 * an isle whose close has not started is not stuck. */
static void
gisle_worker_arm_close_deadline_locked (GisleWorker *worker)
{
  if (worker->close_deadline != NULL || !worker->exiting || worker->exited ||
      worker->defunct || worker->close_waiters->len == 0)
    return;
  worker->close_deadline =
    gisle_watchdog_add_full ((guint) g_atomic_int_get (&worker->hard_ms),
                             gisle_worker_on_close_deadline,
                             gisle_worker_ref (worker),
                             (GDestroyNotify) gisle_worker_unref);
}

static void
gisle_worker_exit (GisleWorker *worker)
{
  g_autoptr(GPtrArray) waiters = NULL;
  GSource *deadline;
  gboolean defunct;

  gisle_mutex_lock (&worker->lock);
  worker->closing = TRUE;
  worker->exiting = TRUE;
  gisle_worker_arm_close_deadline_locked (worker);
  g_cond_broadcast (&worker->space_cond);
  gisle_mutex_unlock (&worker->lock);

  /* An abandoned state may be mid-way through anything; it is still ours,
   * and only this thread may close it. Finalizers run here, with hooks
   * disabled; the close deadline covers one that never returns. */
  if (worker->L != NULL)
    {
      lua_close (worker->L);
      worker->L = NULL;
    }

  gisle_mutex_lock (&worker->lock);
  worker->exited = TRUE;
  defunct = worker->defunct;
  waiters = g_steal_pointer (&worker->close_waiters);
  worker->close_waiters = g_ptr_array_new ();
  deadline = g_steal_pointer (&worker->close_deadline);
  gisle_mutex_unlock (&worker->lock);

  if (!defunct)
    for (guint i = 0; i < waiters->len; i++)
      gisle_job_complete (waiters->pdata[i], NULL, NULL);
  g_ptr_array_set_free_func (waiters, (GDestroyNotify) gisle_job_unref);

  if (deadline != NULL)
    {
      gisle_source_destroy (deadline);
      g_source_unref (deadline);
    }
}

/* Closing waits for the thread at most the hard deadline: lua_close runs
 * finalizers with hooks disabled, and one that loops would hold close()
 * forever. The thread is then abandoned as for a defunct job. */
static gboolean
gisle_worker_on_close_deadline (gpointer data)
{
  GisleWorker *worker = data;
  g_autoptr(GPtrArray) waiters = NULL;

  gisle_mutex_lock (&worker->lock);
  if (!worker->exited)
    {
      waiters = g_steal_pointer (&worker->close_waiters);
      worker->close_waiters = g_ptr_array_new ();
      worker->close_abandoned = TRUE;
    }
  gisle_mutex_unlock (&worker->lock);

  if (waiters == NULL)
    return G_SOURCE_REMOVE;

  /* An executor thread stuck in lua_close is lost to the other isles. */
  if (worker->executor != NULL)
    gisle_executor_replace_thread (worker->executor);

  g_message ("Isle “%s” did not finish closing within %d ms; its thread is abandoned",
             worker->name != NULL ? worker->name : worker->thread_name,
             g_atomic_int_get (&worker->hard_ms));
  for (guint i = 0; i < waiters->len; i++)
    {
      gisle_job_complete (waiters->pdata[i], NULL, NULL);
      gisle_job_unref (waiters->pdata[i]);
    }
  return G_SOURCE_REMOVE;
}

static void gisle_worker_fail_jobs (GList *jobs, GQuark domain, gint code, const char *message);
static void gisle_worker_fail_taken (GList *jobs, GError *error);

/* Under worker->lock: empties the queue and returns its jobs (with the
 * queue's references) for the caller to complete once unlocked. */
static GList *
gisle_worker_take_queue_locked (GisleWorker *worker)
{
  GList *jobs;

  for (GList *l = worker->queue.head; l != NULL; l = l->next)
    ((GisleJob *) l->data)->queued = FALSE;
  jobs = g_steal_pointer (&worker->queue.head);
  g_queue_init (&worker->queue);
  return jobs;
}
static gboolean gisle_worker_launch (GisleWorker *worker, gboolean needs_turn, GError **error);
static gboolean gisle_worker_needs_turn_locked (GisleWorker *worker);
static void gisle_worker_setup_done (GisleJob *setup_job, const GError *error);

/* Starts the isle once, from any thread, without waiting for anything.
 *
 * The setup job is queued ahead of every other job in the same critical
 * section that marks the isle started, so no job can run before the setup
 * (or on a bare Lua state), whichever threads start and submit at once.
 *
 * Returns FALSE with @error when the setup failed (or the thread could not
 * start); TRUE when it succeeded, or while it runs, in which case
 * @running_setup (if not NULL) gets a reference to the setup job to wait
 * for. Jobs submitted meanwhile simply queue behind it. */
gboolean
gisle_worker_ensure_started (GisleWorker  *worker,
                             GisleJob    **running_setup,
                             GError      **error)
{
  g_autoptr(GisleJob) setup = NULL;
  g_autoptr(GError) launch_error = NULL;
  gboolean needs_turn;

  gisle_mutex_lock (&worker->lock);
  if (worker->setup_state == GISLE_SETUP_DONE)
    {
      gboolean ok = worker->setup_error == NULL;

      if (!ok)
        g_propagate_error (error, g_error_copy (worker->setup_error));
      gisle_mutex_unlock (&worker->lock);
      return ok;
    }
  if (worker->setup_state == GISLE_SETUP_RUNNING)
    {
      if (running_setup != NULL)
        *running_setup = gisle_job_ref (worker->setup_job);
      gisle_mutex_unlock (&worker->lock);
      return TRUE;
    }
  if (worker->closing)
    {
      gisle_mutex_unlock (&worker->lock);
      g_set_error_literal (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED, _("The isle is closed"));
      return FALSE;
    }

  setup = gisle_job_new (worker, GISLE_JOB_SETUP);
  setup->on_outcome = gisle_worker_setup_done;
  worker->setup_job = gisle_job_ref (setup);
  worker->setup_state = GISLE_SETUP_RUNNING;
  worker->started = TRUE;
  setup->queued = TRUE;
  setup->queue_link.data = gisle_job_ref (setup);
  g_queue_push_head_link (&worker->queue, &setup->queue_link);
  needs_turn = gisle_worker_needs_turn_locked (worker);
  gisle_mutex_unlock (&worker->lock);

  if (!gisle_worker_launch (worker, needs_turn, &launch_error))
    {
      /* Fails the setup (and so everything queued behind it). */
      gisle_job_complete (setup, NULL, g_error_copy (launch_error));
      g_propagate_error (error, g_steal_pointer (&launch_error));
      return FALSE;
    }

  if (running_setup != NULL)
    *running_setup = g_steal_pointer (&setup);
  return TRUE;
}

/* Completes @waiter (a CONTROL job with a task) when the setup ends, or at
 * once if it has: an asynchronous init never blocks, however many there
 * are, and learns the one outcome. */
void
gisle_worker_wait_setup_async (GisleWorker *worker,
                               GisleJob    *waiter)
{
  GError *error = NULL;

  gisle_mutex_lock (&worker->lock);
  if (worker->setup_state != GISLE_SETUP_DONE)
    {
      g_ptr_array_add (worker->setup_waiters, gisle_job_ref (waiter));
      gisle_mutex_unlock (&worker->lock);
      return;
    }
  if (worker->setup_error != NULL)
    error = g_error_copy (worker->setup_error);
  gisle_mutex_unlock (&worker->lock);

  gisle_job_complete (waiter, NULL, error);
}

/* Records the setup's outcome, from whichever thread completes the setup
 * job. An isle whose setup failed never runs anything: the jobs queued
 * behind the setup fail with its reason, and the isle is closed. */
static void
gisle_worker_setup_done (GisleJob     *setup_job,
                         const GError *error)
{
  GisleWorker *worker = setup_job->worker;
  g_autoptr(GPtrArray) waiters = NULL;
  g_autoptr(GisleJob) setup = NULL;
  GList *dropped = NULL;

  gisle_mutex_lock (&worker->lock);
  worker->setup_state = GISLE_SETUP_DONE;
  if (error != NULL)
    worker->setup_error = g_error_copy (error);
  setup = g_steal_pointer (&worker->setup_job);
  waiters = g_steal_pointer (&worker->setup_waiters);
  worker->setup_waiters = g_ptr_array_new ();
  if (error != NULL)
    {
      worker->closing = TRUE;
      dropped = gisle_worker_take_queue_locked (worker);
      g_cond_broadcast (&worker->space_cond);
      g_cond_broadcast (&worker->work_cond);
    }
  gisle_mutex_unlock (&worker->lock);

  if (error != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The isle could not be set up: %s"),
                                                  error->message);

      gisle_worker_fail_jobs (dropped, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED, message);
    }
  for (guint i = 0; i < waiters->len; i++)
    {
      gisle_job_complete (waiters->pdata[i], NULL, error != NULL ? g_error_copy (error) : NULL);
      gisle_job_unref (waiters->pdata[i]);
    }
}

/* The Lua state is made by whichever thread runs the isle first: its own
 * thread, or an executor thread. */
static void
gisle_worker_enter_thread (GisleWorker *worker)
{
  gisle_thread_worker = worker;
  /* Cancellers signal this thread; they read this under the lock, after
   * a job became current, so they always see it. */
  gisle_mutex_lock (&worker->lock);
  worker->pthread = pthread_self ();
  gisle_mutex_unlock (&worker->lock);

  if (!worker->state_created)
    {
      worker->state_created = TRUE;
      worker->L = gisle_state_new (worker);
    }
}

/* Runs @job, which was made current; the caller retires it. */
static void
gisle_worker_run_job (GisleWorker *worker,
                      GisleJob    *job)
{
  if (job->kind == GISLE_JOB_SETUP && worker->L == NULL)
    gisle_job_complete (job, NULL,
                        g_error_new_literal (G_ISLE_ERROR, G_ISLE_ERROR_MEMORY,
                                             _("Not enough memory to create a Lua state")));
  else if (g_atomic_int_get (&job->cancel_phase) != GISLE_CANCEL_NONE ||
           g_cancellable_is_cancelled (job->cancellable))
    /* A job cancelled before it starts never runs. */
    gisle_job_complete (job, NULL, gisle_job_cancelled_error (G_IO_ERROR_CANCELLED));
  else
    {
      gisle_cancel_job_started (job);
      gisle_job_run (job, worker->L);
    }
}

static gpointer
gisle_worker_main (gpointer data)
{
  GisleWorker *worker = data;
  GisleJob *job = NULL;

  gisle_worker_enter_thread (worker);
  /* A NULL job means close, or that the isle was declared defunct while
   * the last job ran (this thread was then abandoned). */
  while ((job = gisle_worker_next_job (worker, job)) != NULL)
    gisle_worker_run_job (worker, job);

  gisle_worker_exit (worker);
  gisle_thread_worker = NULL;
  gisle_worker_unref (worker);
  return NULL;
}

/* One turn of an isle on an executor thread: one job, or the isle's exit.
 * Taking turns one job at a time is what keeps a busy isle from starving
 * the others. The isle is "scheduled" from when it is queued on the
 * executor until a turn finds nothing left to do, so it never runs on two
 * threads at once. */
static GisleSlice
gisle_worker_run_slice (gpointer data)
{
  GisleWorker *worker = data;
  GisleJob *job = NULL;
  gboolean exit_now = FALSE;
  gboolean abandoned_by_watchdog = FALSE;
  GisleSlice result;

  gisle_worker_enter_thread (worker);

  gisle_mutex_lock (&worker->lock);
  if (!g_queue_is_empty (&worker->queue) && !worker->defunct)
    job = gisle_worker_pop_locked (worker);
  else if ((worker->closing || worker->defunct) && !worker->exited)
    exit_now = TRUE;
  gisle_mutex_unlock (&worker->lock);

  if (job != NULL)
    {
      gisle_worker_run_job (worker, job);
      gisle_mutex_lock (&worker->lock);
      abandoned_by_watchdog = gisle_worker_retire_locked (worker, job);
      gisle_mutex_unlock (&worker->lock);
      gisle_job_unref (job);
    }
  if (abandoned_by_watchdog)
    {
      /* Back from a call the watchdog gave up on: another thread has
       * already replaced this one. Finish the isle and let it go. */
      gisle_worker_exit (worker);
      gisle_thread_worker = NULL;
      return GISLE_SLICE_ABANDONED;
    }
  if (exit_now)
    {
      gboolean abandoned;

      gisle_worker_exit (worker);
      gisle_thread_worker = NULL;
      gisle_mutex_lock (&worker->lock);
      abandoned = worker->close_abandoned;
      gisle_mutex_unlock (&worker->lock);
      /* If closing took so long that this thread was replaced, it leaves. */
      return abandoned ? GISLE_SLICE_ABANDONED : GISLE_SLICE_EXITED;
    }

  gisle_mutex_lock (&worker->lock);
  if (!g_queue_is_empty (&worker->queue) || (worker->closing && !worker->exited))
    result = GISLE_SLICE_MORE;
  else
    {
      worker->scheduled = FALSE;
      result = GISLE_SLICE_IDLE;
    }
  gisle_mutex_unlock (&worker->lock);

  gisle_thread_worker = NULL;
  return result;
}

/* Under worker->lock: whether the caller must hand the isle to its
 * executor (it has work and is not already queued or running). */
static gboolean
gisle_worker_needs_turn_locked (GisleWorker *worker)
{
  if (worker->executor == NULL || worker->scheduled || !worker->started || worker->exited)
    return FALSE;
  worker->scheduled = TRUE;
  return TRUE;
}

/* Linux refuses thread names over 15 bytes; cut at a character boundary
 * instead of letting the name be dropped. */
static char *
gisle_worker_os_thread_name (const char *name)
{
  const char *end = name;

  while (*end != '\0')
    {
      const char *next = g_utf8_next_char (end);
      if (next - name > 15)
        break;
      end = next;
    }
  return g_strndup (name, end - name);
}

/* Gives the started isle a thread: its own, or turns on its executor. */
static gboolean
gisle_worker_launch (GisleWorker  *worker,
                     gboolean      needs_turn,
                     GError      **error)
{
  g_autofree char *os_name = gisle_worker_os_thread_name (worker->thread_name);
  GThread *thread;

  gisle_cancel_init_process ();

  /* On an executor the isle has no thread of its own: the executor keeps
   * a reference until the isle has exited, and runs its turns. */
  if (worker->executor != NULL)
    {
      worker->turn.run_slice = gisle_worker_run_slice;
      worker->turn.release = (GDestroyNotify) gisle_worker_unref;
      worker->turn.data = gisle_worker_ref (worker);
      worker->turn.name = worker->name;
      gisle_executor_attach (worker->executor, &worker->turn);
      if (needs_turn)
        gisle_executor_schedule (worker->executor, &worker->turn);
      return TRUE;
    }

  /* The thread keeps its own reference until it exits. */
  gisle_worker_ref (worker);
  thread = g_thread_try_new (os_name, gisle_worker_main, worker, error);
  if (thread == NULL)
    {
      gisle_mutex_lock (&worker->lock);
      worker->exited = TRUE;
      worker->closing = TRUE;
      gisle_mutex_unlock (&worker->lock);
      gisle_worker_unref (worker);
      return FALSE;
    }

  /* Never joined: without our reference, GLib detaches the thread when it
   * ends (an abandoned one may never end; that must not hold anything). */
  g_thread_unref (thread);
  return TRUE;
}

static GError *
gisle_worker_refusal (GisleWorker *worker)
{
  if (worker->defunct)
    return g_error_new_literal (G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT,
                                _("The isle is defunct: an earlier job could not be stopped"));
  if (worker->setup_error != NULL)
    return g_error_new (G_ISLE_ERROR, G_ISLE_ERROR_CLOSED,
                        _("The isle could not be set up: %s"), worker->setup_error->message);
  return g_error_new_literal (G_ISLE_ERROR, G_ISLE_ERROR_CLOSED,
                              _("The isle is closed"));
}

/* Queues @job (taking a reference), or completes it at once with the
 * reason it cannot run. Blocking callers pass @wait_for_room to wait while
 * the queue is at capacity; asynchronous jobs are queued regardless and
 * wait their turn without blocking anyone. */
gboolean
gisle_worker_submit (GisleWorker *worker,
                     GisleJob    *job,
                     gboolean     wait_for_room)
{
  GError *refusal = NULL;
  gboolean needs_turn = FALSE;

  gisle_mutex_lock (&worker->lock);
  while (wait_for_room && !worker->closing && !worker->defunct &&
         worker->queue.length >= worker->queue_capacity)
    {
      worker->space_waiters++;
      gisle_cond_wait (&worker->space_cond, &worker->lock);
      worker->space_waiters--;
    }

  if (worker->closing || worker->defunct)
    refusal = gisle_worker_refusal (worker);
  else
    {
      job->queued = TRUE;
      job->queue_link.data = gisle_job_ref (job);
      g_queue_push_tail_link (&worker->queue, &job->queue_link);
      /* One wake-up is enough: until the woken thread runs, which takes
       * tens of microseconds, later submitters must not signal again. */
      if (worker->idle)
        {
          worker->idle = FALSE;
          g_cond_signal (&worker->work_cond);
        }
      needs_turn = gisle_worker_needs_turn_locked (worker);
    }
  gisle_mutex_unlock (&worker->lock);

  if (needs_turn)
    gisle_executor_schedule (worker->executor, &worker->turn);
  if (refusal != NULL)
    {
      gisle_job_complete (job, NULL, refusal);
      return FALSE;
    }
  return TRUE;
}

/* Completes each of @jobs (taken from the queue, with its reference) with
 * a copy of @error, and frees @error. */
static void
gisle_worker_fail_taken (GList  *jobs,
                         GError *error)
{
  /* The links live in the jobs: step on before a job can be freed. */
  for (GList *l = jobs, *next; l != NULL; l = next)
    {
      GisleJob *job = l->data;

      next = l->next;
      gisle_job_complete (job, NULL, g_error_copy (error));
      gisle_job_unref (job);
    }
  g_error_free (error);
}

static void
gisle_worker_fail_jobs (GList      *jobs,
                        GQuark      domain,
                        gint        code,
                        const char *message)
{
  gisle_worker_fail_taken (jobs, g_error_new_literal (domain, code, message));
}

/* Closing cancels the running job, fails the queued ones with
 * G_ISLE_ERROR_CLOSED and lets the thread exit; @close_job completes when
 * it has (or at once if it already had). */
void
gisle_worker_close (GisleWorker *worker,
                    GisleJob    *close_job)
{
  GList *dropped = NULL;
  GisleJob *current = NULL;
  gboolean done_now;
  gboolean needs_turn;

  gisle_mutex_lock (&worker->lock);
  worker->closing = TRUE;
  dropped = gisle_worker_take_queue_locked (worker);
  if (worker->current != NULL)
    current = gisle_job_ref (worker->current);
  done_now = !worker->started || worker->exited || worker->defunct;
  if (!done_now && close_job != NULL)
    {
      g_ptr_array_add (worker->close_waiters, gisle_job_ref (close_job));
      /* Only if the state is being closed now; otherwise the exit arms it. */
      gisle_worker_arm_close_deadline_locked (worker);
    }
  g_cond_broadcast (&worker->work_cond);
  g_cond_broadcast (&worker->space_cond);
  /* On an executor, closing the state takes a turn of its own. */
  needs_turn = !done_now && gisle_worker_needs_turn_locked (worker);
  gisle_mutex_unlock (&worker->lock);

  if (worker->executor != NULL && worker->started)
    gisle_executor_forget (worker->executor, &worker->turn);
  if (needs_turn)
    gisle_executor_schedule (worker->executor, &worker->turn);

  gisle_worker_fail_jobs (dropped, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED,
                          _("The isle was closed before the job could run"));

  if (current != NULL)
    {
      gisle_cancel_request (current, G_IO_ERROR_CANCELLED);
      gisle_job_unref (current);
    }

  if (done_now && close_job != NULL)
    gisle_job_complete (close_job, NULL, NULL);
}

/* Runs @func on the worker in order with the jobs around it (it takes
 * @data, freed with g_free()). Before the isle starts there is nothing to
 * do: the setup applies the current state of things. */
void
gisle_worker_submit_control (GisleWorker      *worker,
                             GisleControlFunc  func,
                             char             *data)
{
  g_autoptr(GisleJob) job = NULL;
  gboolean started;

  gisle_mutex_lock (&worker->lock);
  started = worker->started;
  gisle_mutex_unlock (&worker->lock);
  if (!started)
    {
      g_free (data);
      return;
    }

  job = gisle_job_new (worker, GISLE_JOB_CONTROL);
  job->control_func = func;
  job->func_data = data;
  job->func_notify = g_free;
  gisle_worker_submit (worker, job, FALSE);
}

void
gisle_worker_cancel_all (GisleWorker *worker)
{
  GList *dropped = NULL;
  GisleJob *current = NULL;

  gisle_mutex_lock (&worker->lock);
  /* Internal jobs (setup, host function changes) are not the caller's to
   * cancel; keep them queued in order. */
  for (GList *l = worker->queue.head; l != NULL;)
    {
      GList *next = l->next;
      GisleJob *job = l->data;

      if (job->kind != GISLE_JOB_CONTROL && job->kind != GISLE_JOB_SETUP)
        {
          job->queued = FALSE;
          g_queue_unlink (&worker->queue, l);
          dropped = g_list_concat (l, dropped);
        }
      l = next;
    }
  dropped = g_list_reverse (dropped);
  if (worker->current != NULL && worker->current->kind != GISLE_JOB_CONTROL &&
      worker->current->kind != GISLE_JOB_SETUP)
    current = gisle_job_ref (worker->current);
  g_cond_broadcast (&worker->space_cond);
  gisle_mutex_unlock (&worker->lock);

  gisle_worker_fail_taken (dropped, gisle_job_cancelled_error (G_IO_ERROR_CANCELLED));
  if (current != NULL)
    {
      gisle_cancel_request (current, G_IO_ERROR_CANCELLED);
      gisle_job_unref (current);
    }
}

/* Called by the watchdog when a cancelled job has not stopped by the hard
 * deadline: it is stuck where no hook runs (a long C call, a looping
 * finalizer). Its caller gets an answer now; the thread is left to finish
 * (or never finish) on its own, holding its own reference, so nothing here
 * waits for it and nothing it uses is freed under it. */
void
gisle_worker_make_defunct (GisleWorker *worker,
                           GisleJob    *stuck)
{
  GList *dropped;
  g_autoptr(GPtrArray) waiters = NULL;

  gisle_mutex_lock (&worker->lock);
  /* Claimed under the lock: a job that finished just now keeps its own
   * outcome and the isle stays usable; otherwise the caller hears DEFUNCT
   * and the isle is defunct. The two always agree. */
  if (worker->current != stuck || worker->defunct || !gisle_job_claim (stuck))
    {
      gisle_mutex_unlock (&worker->lock);
      return;
    }
  worker->defunct = TRUE;
  dropped = gisle_worker_take_queue_locked (worker);
  waiters = g_steal_pointer (&worker->close_waiters);
  worker->close_waiters = g_ptr_array_new ();
  g_cond_broadcast (&worker->space_cond);
  g_cond_broadcast (&worker->work_cond);
  gisle_mutex_unlock (&worker->lock);

  g_message ("Isle “%s” did not stop within %d ms of being cancelled; "
             "its thread is abandoned and the isle is defunct",
             worker->name != NULL ? worker->name : worker->thread_name,
             g_atomic_int_get (&worker->hard_ms));

  gisle_job_deliver (stuck, NULL,
                     g_error_new (G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT,
                                  _("The job did not stop within %u ms of being cancelled "
                                    "(it is stuck where Lua cannot interrupt it); "
                                    "the isle is defunct, create a new one"),
                                  g_atomic_int_get (&worker->hard_ms)));
  gisle_worker_fail_jobs (dropped, G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT,
                          _("The isle is defunct: an earlier job could not be stopped"));
  for (guint i = 0; i < waiters->len; i++)
    {
      gisle_job_complete (waiters->pdata[i], NULL, NULL);
      gisle_job_unref (waiters->pdata[i]);
    }
  gisle_dispatch_notify (worker, "defunct");

  /* The stuck executor thread is lost to the other isles: replace it. */
  if (worker->executor != NULL)
    gisle_executor_replace_thread (worker->executor);
}
