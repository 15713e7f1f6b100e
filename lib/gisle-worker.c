/* gisle-worker.c: the isle's thread, its job queue and its lifecycle.
 *
 * Floor 11 (the worker): thread or executor turns, the queue, the
 * lifecycle and setup; the cancel policy below it decides the cancels. A
 * job suspended in a wait stays current, parked without a thread, until
 * the owner class's wake_locked puts the isle back in line.
 * struct _GisleWorker is defined here; it makes and holds the records of
 * the floors below (delivery queue, per-run record, cancel policy, state
 * configuration, host-function table) and registers the GisleOwnerClass
 * through which those floors reach it.
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
#include "gisle-suspend-private.h"
#include "gisle-i18n-private.h"

#include <lauxlib.h>

#define DEFAULT_QUEUE_CAPACITY 256
#define DEFAULT_GRACE_MS       100
#define DEFAULT_HARD_MS        1000

/* Whether the isle's setup job has been queued, and how it ended. */
typedef enum {
  GISLE_SETUP_NONE,
  GISLE_SETUP_RUNNING,
  GISLE_SETUP_DONE,
} GisleSetupState;

/* Only this file reads a worker's fields. The floors below reach what
 * they need of it through the GisleOwnerClass registered here (their own
 * records, the lock, the cancel policy's questions); the floors above
 * through the functions of gisle-worker-private.h. */
struct _GisleWorker
{
  gint ref_count;                 /* atomic (inline builtins, visible to TSan) */

  /* Configuration, fixed once the thread starts. */
  char *thread_name;
  guint queue_capacity;
  char *setup_code;
  GIsleSetupFunc setup_func;
  gpointer setup_data;
  GDestroyNotify setup_notify;
  GisleCancelPolicy *cancel_policy;  /* time limits and timers (gisle-worker-cancel.c) */

  GThread *home_thread;          /* the thread that created the isle */

  /* Queue and lifecycle, under @lock. */
  GMutex lock;
  GCond work_cond;               /* the worker waits for jobs or wake-ups */
  GCond space_cond;              /* blocking submitters wait for room */
  GQueue queue;
  GisleJob *current;
  gboolean idle;                 /* the thread waits for work_cond */
  guint space_waiters;           /* blocking submitters waiting for room */
  gboolean started;
  gboolean closing;
  gboolean exited;
  gboolean defunct;
  pthread_t pthread;             /* the thread running it now */
  GisleExecutor *executor;       /* strong; NULL: a dedicated thread */
  GisleExecutorItem turn;        /* the isle as the executor's item */
  char *name;                    /* for lookup on the executor */
  gboolean scheduled;            /* queued on or run by the executor */
  gboolean close_abandoned;      /* lock: closing outlived the hard deadline */
  gboolean state_created;        /* worker thread only */
  GPtrArray *close_waiters;      /* GisleJob (CONTROL) completed at exit */
  GSource *close_deadline;       /* watchdog: closing never waits longer */
  gboolean exiting;              /* the close runs on a thread (lua_close) */
  GisleSetupState setup_state;
  GisleJob *setup_job;           /* strong, while RUNNING */
  GError *setup_error;           /* once DONE, if the setup failed */
  GPtrArray *setup_waiters;      /* GisleJob (CONTROL) completed at setup's end */
  GHashTable *host_functions;    /* name -> GisleHostFunction (gisle-host.c); under @lock */

  volatile gint64 next_job_id;   /* atomic */

  /* The records of the floors below, made here and reached through the
   * owner class. */
  GisleStateConfig *state_config;  /* libraries, memory limit and use */
  GisleDelivery *delivery;       /* queues to main contexts, output budget */

  /* Worker-thread-only state. */
  lua_State *L;
  GisleRun *run;                 /* what the signal handler finds */
  GisleJob *running_job;         /* the job whose Lua code runs now */

  GisleWorkerSuspend suspend;    /* a job parked in a wait (gisle-suspend.c) */
};

static GisleDelivery *
gisle_worker_get_delivery (GisleWorker *worker)
{
  return worker->delivery;
}

GisleRun *
gisle_worker_get_run (GisleWorker *worker)
{
  return worker->run;
}

static GisleCancelPolicy *
gisle_worker_get_cancel_policy (GisleWorker *worker)
{
  return worker->cancel_policy;
}

static GisleStateConfig *
gisle_worker_get_state_config (GisleWorker *worker)
{
  return worker->state_config;
}

static GHashTable *
gisle_worker_get_host_functions (GisleWorker *worker)
{
  return worker->host_functions;
}

static GMutex *
gisle_worker_get_lock (GisleWorker *worker)
{
  return &worker->lock;
}

static GCond *
gisle_worker_get_wake (GisleWorker *worker)
{
  return &worker->work_cond;
}

/* Under the lock, for the cancel policy: a queued job leaves the queue,
 * and a blocking submitter gets its room. */
static gboolean
gisle_worker_unqueue_locked (GisleWorker *worker,
                             GisleJob    *job)
{
  if (!gisle_job_unqueue (job, &worker->queue))
    return FALSE;
  if (worker->space_waiters > 0)
    g_cond_signal (&worker->space_cond);
  return TRUE;
}

static gboolean
gisle_worker_running_locked (GisleWorker *worker,
                             GisleJob    *job,
                             pthread_t   *thread,
                             gboolean    *defunct)
{
  if (worker->current != job)
    return FALSE;
  *thread = worker->pthread;
  *defunct = worker->defunct;
  return TRUE;
}

static GisleWorkerSuspend *
gisle_worker_get_suspend (GisleWorker *worker)
{
  return &worker->suspend;
}

static gboolean gisle_worker_wake_locked (GisleWorker *worker);
static void gisle_worker_wake (GisleWorker *worker);

static void
gisle_worker_schedule (GisleWorker *worker)
{
  gisle_executor_schedule (worker->executor, &worker->turn);
}

static guint64
gisle_worker_next_job_id (GisleWorker *worker)
{
  return (guint64) __atomic_add_fetch (&worker->next_job_id, 1, __ATOMIC_RELAXED);
}

/* How the floors below (jobs, host calls, the delivery queue, the cancel
 * policy, the state) reach a worker. */
static const GisleOwnerClass gisle_worker_owner_class = {
  .ref = gisle_worker_ref,
  .try_ref = gisle_worker_try_ref,
  .unref = gisle_worker_unref,
  .make_defunct = gisle_worker_make_defunct,
  .get_delivery = gisle_worker_get_delivery,
  .get_run = gisle_worker_get_run,
  .get_cancel_policy = gisle_worker_get_cancel_policy,
  .get_state_config = gisle_worker_get_state_config,
  .get_host_functions = gisle_worker_get_host_functions,
  .get_lock = gisle_worker_get_lock,
  .get_wake = gisle_worker_get_wake,
  .unqueue_locked = gisle_worker_unqueue_locked,
  .running_locked = gisle_worker_running_locked,
  .next_job_id = gisle_worker_next_job_id,
  .get_suspend = gisle_worker_get_suspend,
  .wake_locked = gisle_worker_wake_locked,
  .wake = gisle_worker_wake,
  .schedule = gisle_worker_schedule,
};

GisleWorker *
gisle_worker_new (void)
{
  GisleWorker *worker = g_new0 (GisleWorker, 1);
  GMainContext *context = g_main_context_ref_thread_default ();

  gisle_owner_set_class (&gisle_worker_owner_class);
  worker->ref_count = 1;
  worker->thread_name = g_strdup ("gisle");
  worker->queue_capacity = DEFAULT_QUEUE_CAPACITY;
  worker->cancel_policy = gisle_cancel_policy_new (DEFAULT_GRACE_MS, DEFAULT_HARD_MS);
  worker->state_config = gisle_state_config_new ();
  worker->delivery = gisle_delivery_new (context);
  gisle_main_context_unref (context);
  worker->run = gisle_cancel_run_new ();
  worker->home_thread = g_thread_self ();
  g_mutex_init (&worker->lock);
  g_cond_init (&worker->work_cond);
  g_cond_init (&worker->space_cond);
  g_queue_init (&worker->queue);
  worker->close_waiters = g_ptr_array_new ();
  worker->setup_waiters = g_ptr_array_new ();
  worker->host_functions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                  gisle_host_function_free);
  gisle_suspend_worker_init (worker);

  return worker;
}

/* ---- For the isle: its configuration, set before the thread starts -- */

void
gisle_worker_set_thread_name (GisleWorker *worker,
                              const char  *name)
{
  g_free (worker->thread_name);
  worker->thread_name = g_strdup (name);
}

const char *
gisle_worker_get_thread_name (GisleWorker *worker)
{
  return worker->thread_name;
}

void
gisle_worker_set_queue_capacity (GisleWorker *worker,
                                 guint        capacity)
{
  worker->queue_capacity = capacity;
}

guint
gisle_worker_get_queue_capacity (GisleWorker *worker)
{
  return worker->queue_capacity;
}

void
gisle_worker_set_setup_code (GisleWorker *worker,
                             const char  *code)
{
  g_free (worker->setup_code);
  worker->setup_code = g_strdup (code);
}

const char *
gisle_worker_get_setup_code (GisleWorker *worker)
{
  return worker->setup_code;
}

/* Returns FALSE (and takes nothing) once the isle has started. */
gboolean
gisle_worker_set_setup_func (GisleWorker    *worker,
                             GIsleSetupFunc  func,
                             gpointer        data,
                             GDestroyNotify  notify)
{
  GDestroyNotify old_notify;
  gpointer old_data;

  gisle_mutex_lock (&worker->lock);
  if (worker->setup_state != GISLE_SETUP_NONE)
    {
      gisle_mutex_unlock (&worker->lock);
      return FALSE;
    }
  old_notify = worker->setup_notify;
  old_data = worker->setup_data;
  worker->setup_func = func;
  worker->setup_data = data;
  worker->setup_notify = notify;
  gisle_mutex_unlock (&worker->lock);
  if (old_notify != NULL)
    old_notify (old_data);
  return TRUE;
}

/* The isle's turns run on @executor's threads instead of its own. */
void
gisle_worker_set_executor (GisleWorker   *worker,
                           GisleExecutor *executor)
{
  g_clear_pointer (&worker->executor, gisle_executor_unref);
  worker->executor = gisle_executor_ref (executor);
}

void
gisle_worker_set_name (GisleWorker *worker,
                       const char  *name)
{
  g_free (worker->name);
  worker->name = g_strdup (name);
}

const char *
gisle_worker_get_name (GisleWorker *worker)
{
  return worker->name;
}

/* Whether the caller is the thread that made the isle. */
gboolean
gisle_worker_is_home_thread (GisleWorker *worker)
{
  return g_thread_self () == worker->home_thread;
}

/* Takes the host functions (for the caller to release in its own thread)
 * and leaves an empty table. */
GHashTable *
gisle_worker_take_host_functions (GisleWorker *worker)
{
  GHashTable *functions;

  gisle_mutex_lock (&worker->lock);
  functions = g_steal_pointer (&worker->host_functions);
  worker->host_functions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                  gisle_host_function_free);
  gisle_mutex_unlock (&worker->lock);
  return functions;
}

gboolean
gisle_worker_is_closing (GisleWorker *worker)
{
  gboolean closing;

  gisle_mutex_lock (&worker->lock);
  closing = worker->closing;
  gisle_mutex_unlock (&worker->lock);
  return closing;
}

/* Closing, or its thread is gone. */
gboolean
gisle_worker_is_closed (GisleWorker *worker)
{
  gboolean closed;

  gisle_mutex_lock (&worker->lock);
  closed = worker->closing || worker->exited;
  gisle_mutex_unlock (&worker->lock);
  return closed;
}

gboolean
gisle_worker_is_defunct (GisleWorker *worker)
{
  gboolean defunct;

  gisle_mutex_lock (&worker->lock);
  defunct = worker->defunct;
  gisle_mutex_unlock (&worker->lock);
  return defunct;
}

/* Under the lock. */
gboolean
gisle_worker_is_defunct_locked (GisleWorker *worker)
{
  return worker->defunct;
}

/* Sends the debugger's hooks signal to the job running now, if any, so
 * its hook is armed at the next instruction. */
void
gisle_worker_signal_hooks (GisleWorker *worker)
{
  gisle_mutex_lock (&worker->lock);
  if (worker->current != NULL && !worker->defunct)
    gisle_cancel_signal_hooks (worker->pthread);
  gisle_mutex_unlock (&worker->lock);
}

/* Sends the profiler's sample signal to the job running now, if any, so
 * its first sample starts the timer. */
void
gisle_worker_signal_sample (GisleWorker *worker)
{
  gisle_mutex_lock (&worker->lock);
  if (worker->current != NULL && !worker->defunct)
    gisle_cancel_signal_sample (worker->pthread);
  gisle_mutex_unlock (&worker->lock);
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
  gisle_cancel_run_release_hooks (worker->run);
  gisle_dispatch_forget_worker (worker);
  gisle_dispatch_free_all (worker);
  gisle_delivery_free (g_steal_pointer (&worker->delivery));
  g_clear_pointer (&worker->executor, gisle_executor_unref);
  g_free (worker->name);
  g_ptr_array_unref (worker->close_waiters);
  g_assert (worker->setup_job == NULL);
  g_ptr_array_unref (worker->setup_waiters);
  g_clear_error (&worker->setup_error);
  g_hash_table_unref (worker->host_functions);
  if (worker->setup_notify)
    worker->setup_notify (worker->setup_data);
  g_mutex_clear (&worker->lock);
  g_cond_clear (&worker->work_cond);
  g_cond_clear (&worker->space_cond);
  g_free (worker->thread_name);
  g_free (worker->setup_code);
  gisle_cancel_policy_free (worker->cancel_policy);
  gisle_state_config_free (worker->state_config);
  gisle_cancel_run_free (worker->run);
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
  GisleJob *job = gisle_job_pop (&worker->queue);

  if (job != NULL)
    {
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
  gisle_cancel_job_ended_locked (worker->cancel_policy);
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
    gisle_watchdog_add_full ((guint) gisle_cancel_policy_get_hard (worker->cancel_policy),
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
             gisle_cancel_policy_get_hard (worker->cancel_policy));
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
  GList *jobs = NULL;
  GisleJob *job;

  while ((job = gisle_job_pop (&worker->queue)) != NULL)
    jobs = g_list_prepend (jobs, job);
  return g_list_reverse (jobs);
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
  gisle_job_set_setup (setup, worker->setup_func, worker->setup_data, worker->setup_code);
  gisle_job_set_on_outcome (setup, gisle_worker_setup_done);
  worker->setup_job = gisle_job_ref (setup);
  worker->setup_state = GISLE_SETUP_RUNNING;
  worker->started = TRUE;
  gisle_job_enqueue_first (setup, &worker->queue);
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
  GisleWorker *worker = gisle_job_get_worker (setup_job);
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

/* Runs @job, which was made current; the caller retires it once it
 * finished. Returns FALSE when it suspended in a wait instead. */
static gboolean
gisle_worker_run_job (GisleWorker *worker,
                      GisleJob    *job)
{
  if (gisle_job_get_kind (job) == GISLE_JOB_SETUP && worker->L == NULL)
    gisle_job_complete (job, NULL,
                        g_error_new_literal (G_ISLE_ERROR, G_ISLE_ERROR_MEMORY,
                                             _("Not enough memory to create a Lua state")));
  else if (gisle_job_cancel_phase (job) != GISLE_CANCEL_NONE ||
           gisle_job_is_cancelled_by_caller (job))
    /* A job cancelled before it starts never runs. */
    gisle_job_complete (job, NULL, gisle_job_cancelled_error (G_IO_ERROR_CANCELLED));
  else
    {
      gisle_cancel_job_started (worker->cancel_policy, job);
      return gisle_job_run (job, worker->L);
    }
  return TRUE;
}

/* ---- Suspended jobs ------------------------------------------------------
 *
 * A job whose wait yielded stays the isle's current job ("parked"): the
 * jobs behind it keep waiting, in order. gisle_suspend_wake() puts the isle
 * back in line (executor) or wakes its thread (dedicated), and the job
 * resumes. A parked job holds no thread. */

/* After @job yielded: parks it, unless what it waits for already happened
 * or a cancel arrived meanwhile, in which case it must resume at once
 * (returns TRUE). */
static gboolean
gisle_worker_park (GisleWorker *worker,
                   GisleJob    *job)
{
  gboolean resume_now;

  gisle_mutex_lock (&worker->lock);
  resume_now = worker->suspend.wake_pending ||
               gisle_job_cancel_phase (job) != GISLE_CANCEL_NONE;
  if (resume_now)
    worker->suspend.wake_pending = FALSE;
  else
    worker->suspend.parked = job;
  gisle_mutex_unlock (&worker->lock);
  return resume_now;
}

/* Under worker->lock: takes the parked job if it was woken. */
static GisleJob *
gisle_worker_unpark_locked (GisleWorker *worker)
{
  GisleJob *job = worker->suspend.parked;

  if (job == NULL || !worker->suspend.wake_pending)
    return NULL;
  worker->suspend.parked = NULL;
  worker->suspend.wake_pending = FALSE;
  return job;
}

/* Runs (or resumes) @job until it finishes or parks. Returns whether it
 * finished. */
static gboolean
gisle_worker_step_job (GisleWorker *worker,
                       GisleJob    *job,
                       gboolean     resume)
{
  gboolean finished;

  if (resume)
    {
      /* A job cancelled while parked runs its cleanup now. */
      gisle_cancel_cleanup_starts (job);
      finished = gisle_job_resume (job, worker->L);
    }
  else
    finished = gisle_worker_run_job (worker, job);

  while (!finished && gisle_worker_park (worker, job))
    {
      gisle_cancel_cleanup_starts (job);
      finished = gisle_job_resume (job, worker->L);
    }
  return finished;
}

/* The owner class's wake_locked (see gisle_suspend_wake_locked()). */
static gboolean
gisle_worker_wake_locked (GisleWorker *worker)
{
  worker->suspend.wake_pending = TRUE;
  /* A dedicated thread sleeps on work_cond while its job is parked. */
  g_cond_broadcast (&worker->work_cond);
  return worker->suspend.parked != NULL && gisle_worker_needs_turn_locked (worker);
}

/* From any thread, without the lock. */
static void
gisle_worker_wake (GisleWorker *worker)
{
  gboolean needs_turn;

  gisle_mutex_lock (&worker->lock);
  needs_turn = gisle_worker_wake_locked (worker);
  gisle_mutex_unlock (&worker->lock);
  if (needs_turn)
    gisle_executor_schedule (worker->executor, &worker->turn);
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
    {
      gboolean finished = gisle_worker_step_job (worker, job, FALSE);

      /* The thread sleeps while its job is parked; a cancel or a close
       * wakes it like anything else the job waits for. */
      while (!finished)
        {
          gisle_mutex_lock (&worker->lock);
          while (gisle_worker_unpark_locked (worker) == NULL)
            gisle_cond_wait (&worker->work_cond, &worker->lock);
          gisle_mutex_unlock (&worker->lock);
          finished = gisle_worker_step_job (worker, job, TRUE);
        }
    }

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
  gboolean resume = FALSE;
  GisleSlice result;

  gisle_worker_enter_thread (worker);

  gisle_mutex_lock (&worker->lock);
  if (worker->suspend.parked != NULL)
    /* Its jobs wait behind the parked one: a turn resumes it or nothing. */
    resume = (job = gisle_worker_unpark_locked (worker)) != NULL;
  else if (!g_queue_is_empty (&worker->queue) && !worker->defunct)
    job = gisle_worker_pop_locked (worker);
  else if ((worker->closing || worker->defunct) && !worker->exited)
    exit_now = TRUE;
  gisle_mutex_unlock (&worker->lock);

  if (job != NULL && gisle_worker_step_job (worker, job, resume))
    {
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
  if (worker->suspend.parked != NULL ? worker->suspend.wake_pending
                                     : !g_queue_is_empty (&worker->queue) ||
                                       (worker->closing && !worker->exited))
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
  /* A parked job keeps its place: until it is woken there is nothing to do. */
  if (worker->suspend.parked != NULL && !worker->suspend.wake_pending)
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
      gisle_job_enqueue (job, &worker->queue);
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
  for (GList *l = jobs; l != NULL; l = l->next)
    {
      gisle_job_complete (l->data, NULL, g_error_copy (error));
      gisle_job_unref (l->data);
    }
  g_list_free (jobs);
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
  gisle_job_set_control (job, func, data, g_free);
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

      if (!gisle_job_is_internal (job) && gisle_job_unqueue (job, &worker->queue))
        dropped = g_list_prepend (dropped, job);
      l = next;
    }
  dropped = g_list_reverse (dropped);
  if (worker->current != NULL && !gisle_job_is_internal (worker->current))
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
  if (worker->current != stuck || worker->defunct ||
      (!gisle_job_get_suspend (stuck)->late_cleanup && !gisle_job_claim (stuck)))
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
             gisle_cancel_policy_get_hard (worker->cancel_policy));

  /* One cancelled while suspended has had its outcome since the cancel;
   * only its cleanup got stuck. */
  if (!gisle_job_get_suspend (stuck)->late_cleanup)
    gisle_job_deliver (stuck, NULL,
                     g_error_new (G_ISLE_ERROR, G_ISLE_ERROR_DEFUNCT,
                                  _("The job did not stop within %u ms of being cancelled "
                                    "(it is stuck where Lua cannot interrupt it); "
                                    "the isle is defunct, create a new one"),
                                  gisle_cancel_policy_get_hard (worker->cancel_policy)));
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
