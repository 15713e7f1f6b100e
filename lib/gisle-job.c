/* gisle-job.c: one unit of work: what it runs on the worker thread and how
 * its outcome reaches the caller.
 *
 * Floor 9 (jobs): it opens the state for the setup job, runs chunks and
 * converts results; it completes through the delivery queue and holds
 * its worker through its GisleOwnerClass (gisle-owner.c). An eval or a
 * call runs in a coroutine of its own, with its tasks (gisle-tasks.c), so
 * that its waits can suspend it (gisle-suspend.c): gisle_job_run() then
 * returns FALSE and the worker calls gisle_job_resume() once woken.
 * struct _GisleJob is defined here; what the signal handler reads of a
 * job is in its GisleCancelState, on the cancel floor.
 *
 * Thread rule: gisle_job_run() and gisle_job_resume() on the thread that
 * runs the isle (which may change between the two); the
 * completion is claimed once by whichever thread gets there first and
 * delivered in the task's context; waits on the caller's thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-private.h"
#include "gisle-cancel-private.h"
#include "gisle-dispatch-private.h"
#include "gisle-job-private.h"
#include "gisle-suspend-private.h"
#include "gisle-tasks-private.h"
#include "gisle-state-private.h"
#include "gisle-error-info-private.h"
#include "gisle-value-private.h"
#include "gisle-i18n-private.h"

#include <string.h>
#include <lauxlib.h>

/* Only this file reads a job's fields; the worker, the isle and the
 * cancel policy use the functions of gisle-job-private.h. What the signal
 * handler needs lock-free is in the job's GisleCancelState, on the cancel
 * floor below. */
struct _GisleJob
{
  gint ref_count;                 /* atomic (inline builtins, visible to TSan) */
  GisleJobKind kind;
  guint64 id;
  GisleWorker *worker;           /* strong */
  GisleRun *run;                 /* the worker's per-run record */

  /* What to run */
  char *code;
  char *chunk_name;
  char *function;
  GVariant *args;
  GIsleExecFunc exec_func;
  GIsleSetupFunc setup_func;     /* SETUP: not owned (the worker's) */
  gpointer setup_data;
  GisleControlFunc control_func;
  gpointer func_data;
  GDestroyNotify func_notify;
  guint timeout_ms;

  /* How it completes: exactly one of task / sync is used. */
  GTask *task;
  gint64 task_created_at;        /* monotonic, just after the task; or 0 */
  gboolean sync;
  GMutex sync_lock;
  GCond sync_cond;
  gboolean sync_done;             /* also set for SETUP jobs, which many may wait for */
  gboolean serve_pending;        /* under sync_lock: owner-context work to serve */
  GPtrArray *serve_workers;      /* under sync_lock: GisleWorker (strong) whose
                                  * owner-context work the blocked caller serves */

  GCancellable *cancellable;
  gulong cancel_handler;

  /* Its phase, reason and host calls' cancellable (gisle-cancel.c). */
  GisleCancelState *cancel;

  const char *error_prefix;      /* static string put before the error */
  /* Called by whichever thread hands the outcome over, before anyone can
   * see it; set by the job's creator. */
  void (*on_outcome) (GisleJob *job, const GError *error);
  gboolean failed;               /* set before the outcome is handed over */

  /* Outcome */
  volatile gint completed;       /* atomic: 1 once the outcome is handed over */
  GVariant *result;
  GError *error;
  gboolean queued;               /* in its worker's queue; under the worker lock */
  GList queue_link;              /* that queue's link to this job */

  /* Made by the submitting thread, so the worker allocates nothing to hand
   * the outcome over, and the receiving thread frees nothing it did not
   * allocate. */
  GisleEvent completion;

  GisleJobSuspend suspend;       /* its coroutine and tasks (gisle-suspend.c) */
};

/* The job's cancel state follows it in the same allocation. */
#define GISLE_JOB_SIZE (((sizeof (GisleJob) + 15) / 16) * 16)

GisleJob *
gisle_job_new (GisleWorker  *worker,
               GisleJobKind  kind)
{
  GisleJob *job = g_malloc0 (GISLE_JOB_SIZE + gisle_cancel_state_size ());

  job->ref_count = 1;
  job->kind = kind;
  job->worker = gisle_owner_ref (worker);
  job->run = gisle_owner_get_run (worker);
  job->id = gisle_owner_next_job_id (worker);
  job->cancel = gisle_cancel_state_init ((char *) job + GISLE_JOB_SIZE, job->id);
  job->queue_link.data = job;
  job->suspend.job = job;
  job->suspend.cancel = job->cancel;
  job->suspend.co_ref = LUA_NOREF;
  job->suspend.tasks_ref = LUA_NOREF;
  g_mutex_init (&job->sync_lock);
  g_cond_init (&job->sync_cond);

  return job;
}

/* ---- What it runs and how it completes, set before it is submitted -- */

/* The worker it was made for (the job holds a reference). */
GisleWorker *
gisle_job_get_worker (GisleJob *job)
{
  return job->worker;
}

GisleJobKind
gisle_job_get_kind (GisleJob *job)
{
  return job->kind;
}

guint64
gisle_job_get_id (GisleJob *job)
{
  return job->id;
}

/* The library's own work (the setup, host function changes, closing),
 * which a caller's cancel_all leaves alone. */
gboolean
gisle_job_is_internal (GisleJob *job)
{
  return job->kind == GISLE_JOB_CONTROL || job->kind == GISLE_JOB_SETUP;
}

void
gisle_job_set_chunk (GisleJob   *job,
                     const char *code,
                     const char *chunk_name)
{
  job->code = g_strdup (code);
  job->chunk_name = g_strdup (chunk_name);
}

/* Sinks @args if floating. */
void
gisle_job_set_call (GisleJob   *job,
                    const char *function,
                    GVariant   *args)
{
  job->function = g_strdup (function);
  job->args = args != NULL ? g_variant_ref_sink (args) : NULL;
}

void
gisle_job_set_exec (GisleJob       *job,
                    GIsleExecFunc   func,
                    gpointer        data,
                    GDestroyNotify  notify)
{
  job->exec_func = func;
  job->func_data = data;
  job->func_notify = notify;
}

void
gisle_job_set_control (GisleJob         *job,
                       GisleControlFunc  func,
                       gpointer          data,
                       GDestroyNotify    notify)
{
  job->control_func = func;
  job->func_data = data;
  job->func_notify = notify;
}

/* SETUP: the isle's setup function (with its data, which the worker
 * keeps) and setup code, run in this order once the state is open. */
void
gisle_job_set_setup (GisleJob       *job,
                     GIsleSetupFunc  func,
                     gpointer        data,
                     const char     *code)
{
  job->setup_func = func;
  job->setup_data = data;
  job->code = g_strdup (code);
}

/* 0: the isle's default time limit. */
void
gisle_job_set_timeout (GisleJob *job,
                       guint     timeout_ms)
{
  job->timeout_ms = timeout_ms;
}

guint
gisle_job_get_timeout (GisleJob *job)
{
  return job->timeout_ms;
}

/* The job completes by returning @task (taken) in its context. */
void
gisle_job_set_task (GisleJob *job,
                    GTask    *task)
{
  job->task = task;
  job->task_created_at = g_get_monotonic_time ();
}

/* The job completes by waking a caller blocked in gisle_job_wait(). */
void
gisle_job_set_sync (GisleJob *job)
{
  job->sync = TRUE;
}

/* Called by whichever thread hands the outcome over, before anyone hears
 * of it. */
void
gisle_job_set_on_outcome (GisleJob                *job,
                          GisleJobOutcomeFunc      on_outcome)
{
  job->on_outcome = on_outcome;
}

/* Connects @on_cancelled (data: a reference to @job) to @cancellable, which
 * the job keeps; disconnected when the outcome is taken. */
void
gisle_job_connect_cancellable (GisleJob     *job,
                               GCancellable *cancellable,
                               GCallback     on_cancelled)
{
  job->cancellable = g_object_ref (cancellable);
  GISLE_TSAN_RELEASE (job);
  job->cancel_handler = gisle_cancellable_connect (cancellable, on_cancelled,
                                                   gisle_job_ref (job),
                                                   (GDestroyNotify) gisle_job_unref);
}

/* Whether its caller's cancellable was cancelled. */
gboolean
gisle_job_is_cancelled_by_caller (GisleJob *job)
{
  return g_cancellable_is_cancelled (job->cancellable);
}

/* ---- Its cancel state and its place in the queue -------------------- */

/* Its coroutines' record (gisle-suspend.c, gisle-tasks.c). */
GisleJobSuspend *
gisle_job_get_suspend (GisleJob *job)
{
  return &job->suspend;
}

GisleCancelState *
gisle_job_get_cancel (GisleJob *job)
{
  return job->cancel;
}

GisleCancelPhase
gisle_job_cancel_phase (GisleJob *job)
{
  return gisle_cancel_state_get_phase (job->cancel);
}

/* Whether its outcome was handed over (or is being). */
gboolean
gisle_job_is_completed (GisleJob *job)
{
  return g_atomic_int_get (&job->completed);
}

/* Under the lock of @queue's owner: appends @job, which the queue then
 * holds a reference to. The link lives in the job, so queueing allocates
 * nothing. */
void
gisle_job_enqueue (GisleJob *job,
                   GQueue   *queue)
{
  job->queued = TRUE;
  gisle_job_ref (job);
  g_queue_push_tail_link (queue, &job->queue_link);
}

/* As gisle_job_enqueue(), ahead of every other job (the setup). */
void
gisle_job_enqueue_first (GisleJob *job,
                         GQueue   *queue)
{
  job->queued = TRUE;
  gisle_job_ref (job);
  g_queue_push_head_link (queue, &job->queue_link);
}

/* Under the same lock: the first job of @queue, or NULL; the caller takes
 * the queue's reference. */
GisleJob *
gisle_job_pop (GQueue *queue)
{
  GList *link = g_queue_pop_head_link (queue);
  GisleJob *job = link != NULL ? link->data : NULL;

  if (job != NULL)
    job->queued = FALSE;
  return job;
}

/* Under the same lock: takes @job out of @queue if it is there; then the
 * caller has the queue's reference. */
gboolean
gisle_job_unqueue (GisleJob *job,
                   GQueue   *queue)
{
  if (!job->queued)
    return FALSE;
  g_queue_unlink (queue, &job->queue_link);
  job->queued = FALSE;
  return TRUE;
}

GisleJob *
gisle_job_ref (GisleJob *job)
{
  g_atomic_int_inc (&job->ref_count);
  return job;
}

void
gisle_job_unref (GisleJob *job)
{
  if (!g_atomic_int_dec_and_test (&job->ref_count))
    return;

  g_assert (job->cancel_handler == 0);
  if (job->func_notify != NULL)
    job->func_notify (job->func_data);
  g_free (job->code);
  g_free (job->chunk_name);
  g_free (job->function);
  g_clear_pointer (&job->args, g_variant_unref);
  g_clear_pointer (&job->result, g_variant_unref);
  g_clear_error (&job->error);
  g_clear_object (&job->task);
  g_clear_object (&job->cancellable);
  gisle_cancel_state_clear (job->cancel);
  if (job->serve_workers != NULL)
    g_ptr_array_unref (job->serve_workers);
  g_mutex_clear (&job->sync_lock);
  g_cond_clear (&job->sync_cond);
  gisle_owner_unref (job->worker);
  g_free (job);
}

static void
gisle_job_disconnect (GisleJob *job)
{
  /* Never called from inside the cancelled handler itself (that would
   * deadlock in GCancellable): only from the waiting caller or from the
   * dispatcher in the task's context. */
  if (job->cancel_handler != 0)
    {
      gisle_cancellable_disconnect (job->cancellable, job->cancel_handler);
      GISLE_TSAN_ACQUIRE (job);
      job->cancel_handler = 0;
    }
}

/* The one error every cancelled job reports (@reason: G_IO_ERROR_CANCELLED
 * or G_IO_ERROR_TIMED_OUT). */
GError *
gisle_job_cancelled_error (gint reason)
{
  if (reason == G_IO_ERROR_TIMED_OUT)
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                _("The job did not finish within its time limit"));
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Operation was cancelled"));
}

static void
gisle_job_deliver_completion (GisleEvent *event)
{
  gisle_job_finish_task (G_STRUCT_MEMBER_P (event, -G_STRUCT_OFFSET (GisleJob, completion)));
}

static void
gisle_job_release_completion (GisleEvent *event)
{
  gisle_job_unref (G_STRUCT_MEMBER_P (event, -G_STRUCT_OFFSET (GisleJob, completion)));
}

/* Takes the right to hand the outcome over; only one caller ever gets it.
 * Whoever decides an outcome under a lock (the hard deadline) claims there
 * and delivers after unlocking, so no other outcome can slip in between. */
gboolean
gisle_job_claim (GisleJob *job)
{
  return g_atomic_int_compare_and_exchange (&job->completed, 0, 1);
}

/* Hands the outcome over after a successful gisle_job_claim(). Takes
 * ownership of @result and @error. */
void
gisle_job_deliver (GisleJob *job,
                   GVariant *result,
                   GError   *error)
{
  if (error != NULL && job->error_prefix != NULL)
    g_prefix_error (&error, "%s", job->error_prefix);
  /* Scripts put any bytes in their errors; GError messages are UTF-8. */
  if (error != NULL && !g_utf8_validate (error->message, -1, NULL))
    {
      char *valid = g_utf8_make_valid (error->message, -1);

      g_free (error->message);
      error->message = valid;
    }
  /* Before anyone hears of it (the setup: so that a failed setup has
   * closed the isle, and every waiter reads one outcome). */
  if (job->on_outcome != NULL)
    job->on_outcome (job, error);

  job->failed = error != NULL;
  job->result = result;
  job->error = error;

  /* Setup jobs can have several waiting threads; others have one. */
  if (job->sync || job->kind == GISLE_JOB_SETUP)
    {
      gisle_mutex_lock (&job->sync_lock);
      job->sync_done = TRUE;
      g_cond_broadcast (&job->sync_cond);
      gisle_mutex_unlock (&job->sync_lock);
    }
  if (!job->sync && job->task != NULL)
    {
      /* The completion travels as an event embedded in the job, holding
       * a reference until it is delivered in the task's context. */
      job->completion.job_id = job->id;
      job->completion.created_at = job->task_created_at;
      job->completion.deliver = gisle_job_deliver_completion;
      job->completion.release = gisle_job_release_completion;
      gisle_job_ref (job);
      gisle_dispatch_complete (job->worker, g_task_get_context (job->task), &job->completion);
    }
}

/* Hands the outcome over exactly once, from any thread: the worker, the
 * watchdog (hard deadline) or a canceller (queued job). Takes ownership of
 * @result and @error; a second outcome is dropped. */
void
gisle_job_complete (GisleJob *job,
                    GVariant *result,
                    GError   *error)
{
  if (!gisle_job_claim (job))
    {
      g_clear_pointer (&result, g_variant_unref);
      g_clear_error (&error);
      return;
    }
  gisle_job_deliver (job, result, error);
}

static void
gisle_job_unref_worker (gpointer data)
{
  GisleWorker *worker = data;

  gisle_owner_unref (worker);
}

/* Tells a blocked caller waiting for @job that @worker (any isle whose
 * main context the caller owns) has work in that context for it (see
 * gisle_job_wait_done()). */
void
gisle_job_nudge_waiter (GisleJob    *job,
                        GisleWorker *worker)
{
  gisle_mutex_lock (&job->sync_lock);
  if (job->serve_workers == NULL)
    job->serve_workers = g_ptr_array_new_with_free_func (gisle_job_unref_worker);
  if (!g_ptr_array_find (job->serve_workers, worker, NULL))
    g_ptr_array_add (job->serve_workers, gisle_owner_ref (worker));
  job->serve_pending = TRUE;
  g_cond_broadcast (&job->sync_cond);
  gisle_mutex_unlock (&job->sync_lock);
}

/* Waits until @job has its outcome; it always gets one, at the latest at
 * the hard deadline after a cancel. A caller blocking the isle's own main
 * context (@serve_owner: the home thread, which acquired it) serves that
 * context meanwhile: host calls, output, events and progress, which would
 * otherwise wait for a main loop that cannot run. Completions of other
 * jobs keep waiting for the main loop: their callbacks never run inside a
 * blocking call. */
void
gisle_job_wait_done (GisleJob *job,
                     gboolean  serve_owner)
{
  gisle_mutex_lock (&job->sync_lock);
  while (!job->sync_done)
    {
      if (serve_owner && job->serve_pending)
        {
          g_autoptr(GPtrArray) workers = g_steal_pointer (&job->serve_workers);

          job->serve_pending = FALSE;
          gisle_mutex_unlock (&job->sync_lock);
          /* Every isle of the context, not only this job's: their jobs may
           * hold the executor threads this job waits for. */
          for (guint i = 0; workers != NULL && i < workers->len; i++)
            gisle_dispatch_serve_owner (workers->pdata[i]);
          gisle_mutex_lock (&job->sync_lock);
          continue;
        }
      gisle_cond_wait (&job->sync_cond, &job->sync_lock);
    }
  gisle_mutex_unlock (&job->sync_lock);
}

/* Waits as gisle_job_wait_done() and takes the outcome. */
GVariant *
gisle_job_wait (GisleJob  *job,
                gboolean   serve_owner,
                GError   **error)
{
  gisle_job_wait_done (job, serve_owner);
  gisle_job_disconnect (job);

  if (job->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&job->error));
      return NULL;
    }
  return g_steal_pointer (&job->result);
}

/* Runs in the task's context, from the dispatcher. */
void
gisle_job_finish_task (GisleJob *job)
{
  g_autoptr(GTask) task = g_steal_pointer (&job->task);

  gisle_job_disconnect (job);

  if (job->error != NULL)
    g_task_return_error (task, g_steal_pointer (&job->error));
  else if (job->kind == GISLE_JOB_CONTROL || job->kind == GISLE_JOB_SETUP)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_pointer (task, g_steal_pointer (&job->result),
                           (GDestroyNotify) g_variant_unref);
}

/* ---- On the worker thread ------------------------------------------- */

/* Turns any error object into text without letting a hostile __tostring
 * escape: its own errors are caught and reported instead. */
static int
gisle_job_tostring_protected (lua_State *L)
{
  luaL_tolstring (L, 1, NULL);
  return 1;
}

static const char *
gisle_job_describe_error (lua_State *L,
                          int        idx)
{
  idx = lua_absindex (L, idx);

  if (lua_type (L, idx) == LUA_TSTRING)
    return lua_tostring (L, idx);
  if (lua_type (L, idx) == LUA_TNUMBER)
    {
      lua_pushvalue (L, idx);
      return lua_tostring (L, -1);
    }
  if (luaL_getmetafield (L, idx, "__tostring") != LUA_TNIL)
    {
      lua_pop (L, 1);
      lua_pushcfunction (L, gisle_job_tostring_protected);
      lua_pushvalue (L, idx);
      if (lua_pcall (L, 1, 1, 0) == LUA_OK && lua_type (L, -1) == LUA_TSTRING)
        return lua_tostring (L, -1);
      return lua_pushfstring (L, "(error object is a %s value whose __tostring failed: %s)",
                              luaL_typename (L, idx),
                              lua_type (L, -1) == LUA_TSTRING ? lua_tostring (L, -1) : "?");
    }
  return lua_pushfstring (L, "(error object is a %s value)", luaL_typename (L, idx));
}

/* The message handler of every job: adds the traceback where the error
 * happened. A cancel passes through untouched. */
static int
gisle_job_msgh (lua_State *L)
{
  const char *message;

  /* A cancel passes through untouched. (A cancel object kept from an
   * earlier job and raised again is just an error, described below.) */
  if (gisle_cancel_is_requested (L))
    return 1;

  /* A debugger may pause here, where the error was raised. */
  gisle_cancel_report_error (L);
  if (gisle_cancel_is_requested (L))
    return 1;

  message = gisle_job_describe_error (L, 1);
  gisle_error_info_capture (L, message);
  luaL_traceback (L, L, message, 1);
  return 1;
}

static GError *
gisle_job_cancel_error (GisleJob *job)
{
  return gisle_job_cancelled_error (gisle_cancel_state_get_reason (job->cancel));
}

/* The one conversion of a failed protected call (@status, the message on
 * top of @L) to a GError: out of memory names the limit and the use;
 * anything else is @code with the message, after @prefix if any. */
static GError *
gisle_job_lua_failure (GisleJob   *job,
                       lua_State  *L,
                       int         status,
                       gint        code,
                       const char *prefix)
{
  const char *message = lua_tostring (L, -1) ? lua_tostring (L, -1) : "unknown error";

  if (status == LUA_ERRMEM && prefix == NULL)
    return gisle_state_memory_error (L);
  return g_error_new (G_ISLE_ERROR, status == LUA_ERRMEM ? G_ISLE_ERROR_MEMORY : code,
                      "%s%s", prefix != NULL ? prefix : "", message);
}

static GError *
gisle_job_load_error (lua_State *L,
                      int        status)
{
  const char *message = lua_tostring (L, -1);
  gsize len;

  if (message == NULL)
    message = "unknown error while loading the chunk";

  if (status == LUA_ERRMEM)
    return g_error_new_literal (G_ISLE_ERROR, G_ISLE_ERROR_MEMORY, message);

  /* The rule lua.c uses for its continuation prompt. */
  len = strlen (message);
  if (len >= 5 && strcmp (message + len - 5, "<eof>") == 0)
    return g_error_new_literal (G_ISLE_ERROR, G_ISLE_ERROR_INCOMPLETE, message);

  return g_error_new_literal (G_ISLE_ERROR, G_ISLE_ERROR_SYNTAX, message);
}

typedef struct
{
  int first;
  int n;
  GVariant *result;
  GError *error;
} ConvertResults;

static int
gisle_job_convert_protected (lua_State *L)
{
  ConvertResults *ctx = lua_touserdata (L, -1);

  ctx->result = gisle_value_to_tuple (L, 1, lua_gettop (L) - 1, "result", &ctx->error);
  return 0;
}

/* Converts the values above @base into the job's result tuple. */
static void
gisle_job_collect_results (GisleJob  *job,
                           lua_State *L,
                           int        base)
{
  ConvertResults ctx = { 0, };
  int n = lua_gettop (L) - base;
  int status;

  if (!lua_checkstack (L, 2))
    {
      gisle_job_complete (job, NULL,
                          g_error_new_literal (G_ISLE_ERROR, G_ISLE_ERROR_MEMORY,
                                               _("Not enough memory to return the results")));
      return;
    }

  lua_pushcfunction (L, gisle_job_convert_protected);
  lua_insert (L, base + 1);
  lua_pushlightuserdata (L, &ctx);
  status = lua_pcall (L, n + 1, 0, 0);

  if (gisle_job_cancel_phase (job) != GISLE_CANCEL_NONE)
    {
      g_clear_pointer (&ctx.result, g_variant_unref);
      g_clear_error (&ctx.error);
      gisle_job_complete (job, NULL, gisle_job_cancel_error (job));
      return;
    }
  if (status != LUA_OK)
    {
      g_clear_pointer (&ctx.result, g_variant_unref);
      g_clear_error (&ctx.error);
      gisle_job_complete (job, NULL,
                          gisle_job_lua_failure (job, L, status, G_ISLE_ERROR_CONVERSION,
                                                 "could not convert the results: "));
      return;
    }

  if (ctx.error != NULL)
    gisle_job_complete (job, NULL, ctx.error);
  else
    gisle_job_complete (job, ctx.result, NULL);
}

/* Runs the function (and @nargs arguments) above the message handler at
 * @base + 1 on @L itself, then completes the job with what happened. For
 * the setup, and when no coroutine could be made. */
static void
gisle_job_pcall_plain (GisleJob  *job,
                       lua_State *L,
                       int        base,
                       int        nargs)
{
  int status;

  gisle_cancel_enter_lua (job->run, job->cancel, &job->suspend, L);
  status = lua_pcall (L, nargs, LUA_MULTRET, base + 1);

  /* Decided by the flag, never by the error: a script that caught the
   * cancel and returned normally was still cancelled. */
  if (gisle_job_cancel_phase (job) != GISLE_CANCEL_NONE)
    gisle_job_complete (job, NULL, gisle_job_cancel_error (job));
  else if (status == LUA_ERRMEM)
    gisle_job_complete (job, NULL, gisle_job_lua_failure (job, L, status, G_ISLE_ERROR_MEMORY, NULL));
  else if (status != LUA_OK)
    gisle_job_complete (job, NULL,
                        gisle_error_info_attach_runtime (
                          gisle_job_lua_failure (job, L, status, G_ISLE_ERROR_RUNTIME, NULL)));
  else
    /* Still inside the job's cancel scope: converting a huge result can
     * take a while, and Stop or the time limit must reach it. */
    gisle_job_collect_results (job, L, base + 1);

  gisle_cancel_leave_lua (job->run);
  lua_settop (L, base);
}

/* ---- The job's coroutine --------------------------------------------- */

static int
gisle_job_new_co_protected (lua_State *L)
{
  int *ref = lua_touserdata (L, 1);

  lua_newthread (L);
  *ref = luaL_ref (L, LUA_REGISTRYINDEX);
  return 0;
}

/* Gives @job a coroutine: the isle's spare one, or a new one. FALSE when
 * memory ran out (the job then runs on @L itself, without suspending). */
static gboolean
gisle_job_take_co (GisleJob  *job,
                   lua_State *L)
{
  GisleWorkerSuspend *ws = gisle_owner_get_suspend (job->worker);
  int ref = LUA_NOREF;

  if (ws->spare_co != NULL)
    {
      job->suspend.co = g_steal_pointer (&ws->spare_co);
      job->suspend.co_ref = ws->spare_co_ref;
      ws->spare_co_ref = LUA_NOREF;
      return TRUE;
    }

  lua_pushcfunction (L, gisle_job_new_co_protected);
  lua_pushlightuserdata (L, &ref);
  if (lua_pcall (L, 1, 0, 0) != LUA_OK)
    {
      lua_pop (L, 1);
      return FALSE;
    }
  lua_rawgeti (L, LUA_REGISTRYINDEX, ref);
  job->suspend.co = lua_tothread (L, -1);
  job->suspend.co_ref = ref;
  lua_pop (L, 1);
  return TRUE;
}

/* Once the job's code ended: a clean coroutine is kept for the next job
 * (most jobs never suspend, and making one costs an allocation); any other
 * is let go. Nothing here runs Lua code. */
static void
gisle_job_release_co (GisleJob  *job,
                      lua_State *L,
                      gboolean   reusable)
{
  GisleWorkerSuspend *ws = gisle_owner_get_suspend (job->worker);
  lua_State *co = g_steal_pointer (&job->suspend.co);

  if (co == NULL)
    return;
  lua_sethook (co, NULL, 0, 0);
  /* Only after a clean run: an error raised by the cancel hook leaves
   * internal hook state of the coroutine that a later job would inherit. */
  if (ws->spare_co == NULL && reusable &&
      lua_status (co) == LUA_OK && lua_gettop (co) == 0)
    {
      ws->spare_co = co;
      ws->spare_co_ref = job->suspend.co_ref;
    }
  else
    luaL_unref (L, LUA_REGISTRYINDEX, job->suspend.co_ref);
  job->suspend.co_ref = LUA_NOREF;
}

/* The message handler in the job's coroutine: gisle_job_msgh() without
 * the frame of gisle_job_body() under the script's code, so tracebacks
 * read as they would on the isle's main thread. */
static int
gisle_job_co_msgh (lua_State *L)
{
  static const char body_frame[] = "\n\t[C]: in ?";
  const char *message;
  const char *traceback;
  size_t len;

  if (gisle_cancel_is_requested (L))
    return 1;

  /* A debugger may pause here, where the error was raised. */
  gisle_cancel_report_error (L);
  if (gisle_cancel_is_requested (L))
    return 1;

  message = gisle_job_describe_error (L, 1);
  gisle_error_info_capture_levels (L, 1, 1, message);
  luaL_traceback (L, L, message, 1);
  traceback = lua_tolstring (L, -1, &len);
  if (len >= sizeof body_frame - 1 &&
      memcmp (traceback + len - (sizeof body_frame - 1), body_frame, sizeof body_frame - 1) == 0)
    lua_pushlstring (L, traceback, len - (sizeof body_frame - 1));
  return 1;
}

/* Runs in a new coroutine once, at setup (gisle_job_run_setup()). */
static int
gisle_job_warm_up (lua_State *co)
{
  return 0;
}

/* When the job's pcall is over: its status replaces the message handler at
 * the bottom of the stack, above it the results or the error. */
static int
gisle_job_body_k (lua_State     *co,
                  int            status,
                  lua_KContext   ctx)
{
  if (status == LUA_YIELD)
    status = LUA_OK;
  lua_pushinteger (co, status);
  lua_replace (co, 1);
  return lua_gettop (co);
}

/* The coroutine's main function (1: the message handler, 2: the job's
 * function, then its arguments). The job's code runs in a protected call
 * inside the coroutine, as it used to on the main thread: the same
 * message handler, to-be-closed variables closed in the same order, and
 * Lua restores its hook state, which an error raised by the cancel hook
 * straight through lua_resume() would leave off for good. lua_pcallk()
 * keeps the waits yieldable. */
static int
gisle_job_body (lua_State *co)
{
  int status = lua_pcallk (co, lua_gettop (co) - 2, LUA_MULTRET, 1, 0, gisle_job_body_k);

  return gisle_job_body_k (co, status, 0);
}

/* Resumes the job's own coroutine (with @nargs values on it). Returns
 * FALSE while it waits; TRUE once it ended, its outcome recorded and its
 * results (or error) left on it. */
static gboolean
gisle_job_resume_main (GisleJob  *job,
                       lua_State *L,
                       int        nargs)
{
  lua_State *co = job->suspend.co;
  int status, nres = 0;

  gisle_cancel_enter_lua (job->run, job->cancel, &job->suspend, co);
  job->suspend.running = co;
  job->suspend.yielding = FALSE;
  status = lua_resume (co, L, nargs, &nres);
  job->suspend.running = NULL;
  if (status == LUA_YIELD && job->suspend.yielding)
    {
      gisle_cancel_leave_lua (job->run);
      return FALSE;
    }

  if (status == LUA_YIELD)
    {
      /* coroutine.yield() outside any coroutine of the script's (or a
       * hard cancel): the job's coroutine is ours, so say what plain Lua
       * says. Still cancellable while the reset runs __close handlers. */
      lua_pop (co, nres);
      lua_resetthread (co);
      lua_settop (co, 0);
      lua_pushliteral (co, "attempt to yield from outside a coroutine");
      nres = 1;
      status = LUA_ERRRUN;
    }
  else if (status == LUA_OK)
    {
      /* The body's pcall status, then the results or the error. */
      status = (int) lua_tointeger (co, -nres);
      lua_remove (co, -nres);
      nres--;
    }
  else
    {
      /* Out of the body itself (memory, C stack): no traceback. */
      lua_resetthread (co);
      nres = lua_gettop (co);
    }
  gisle_cancel_leave_lua (job->run);
  job->suspend.main_done = TRUE;
  job->suspend.main_status = status;
  job->suspend.main_nres = nres;
  return TRUE;
}

/* Once the job's coroutine and all its tasks ended: completes the job. */
static void
gisle_job_finish_co (GisleJob  *job,
                     lua_State *L)
{
  lua_State *co = job->suspend.co;
  int base = lua_gettop (L);
  int status = job->suspend.main_status;
  int nres = job->suspend.main_nres;
  g_autofree char *task_error = NULL;
  GError *error = NULL;

  /* Converting the results stays inside the job's cancel scope: a huge
   * result takes a while, and Stop or the time limit must reach it. */
  gisle_cancel_enter_lua (job->run, job->cancel, &job->suspend, L);
  if (status == LUA_OK)
    task_error = gisle_tasks_unjoined_error (&job->suspend, L);
  if (!lua_checkstack (L, nres + 2))
    {
      lua_settop (co, 0);
      error = g_error_new_literal (G_ISLE_ERROR, G_ISLE_ERROR_MEMORY,
                                   _("Not enough memory to return the results"));
    }
  else
    lua_xmove (co, L, nres);
  lua_settop (co, 0);

  if (error != NULL)
    ;
  else if (gisle_job_cancel_phase (job) != GISLE_CANCEL_NONE)
    error = gisle_job_cancel_error (job);
  else if (status == LUA_ERRMEM)
    error = gisle_job_lua_failure (job, L, status, G_ISLE_ERROR_MEMORY, NULL);
  else if (status != LUA_OK)
    error = gisle_error_info_attach_runtime (gisle_job_lua_failure (job, L, status,
                                                                    G_ISLE_ERROR_RUNTIME, NULL));
  else if (task_error != NULL)
    error = g_error_new (G_ISLE_ERROR, G_ISLE_ERROR_RUNTIME,
                         _("A task failed and nobody joined it: %s"), task_error);
  else
    gisle_job_collect_results (job, L, base);

  if (error != NULL)
    gisle_job_complete (job, NULL, error);
  gisle_cancel_leave_lua (job->run);
  lua_settop (L, base);
  gisle_tasks_release (&job->suspend, L);
  gisle_job_release_co (job, L, status == LUA_OK &&
                        gisle_job_cancel_phase (job) == GISLE_CANCEL_NONE);
}

/* Runs the job's coroutine and its tasks (gisle-tasks.c) until all ended,
 * then completes the job; or until every one of them waits, and then
 * returns FALSE: the job is suspended, the worker parks it and
 * gisle_job_resume() goes on later. Each pass resumes every coroutine that
 * waits (a wake does not say whose wait ended; one whose did not yields
 * again), and passes repeat while tasks start or end, since joins may go
 * on. */
static gboolean
gisle_job_step (GisleJob  *job,
                lua_State *L,
                int        nargs)
{
  for (;;)
    {
      gboolean progress;

      job->suspend.progress = FALSE;
      gisle_suspend_new_pass (job->worker);
      if (!job->suspend.main_done)
        {
          gisle_suspend_soft_cancel_for (&job->suspend, job->suspend.co, &job->suspend.main_cancel_seen);
          gisle_job_resume_main (job, L, nargs);
        }
      nargs = 0;
      progress = job->suspend.progress;

      if (job->suspend.tasks_ref != LUA_NOREF)
        {
          /* The job's code failed: the tasks left are cancelled. A cancel
           * of the job reaches them through their waits instead. */
          if (job->suspend.main_done && job->suspend.main_status != LUA_OK &&
              gisle_job_cancel_phase (job) == GISLE_CANCEL_NONE)
            gisle_tasks_cancel_all (&job->suspend, L);
          else if (gisle_tasks_run_pass (&job->suspend, L))
            progress = TRUE;
          progress = progress || job->suspend.progress;
        }

      if (job->suspend.main_done &&
          (job->suspend.tasks_ref == LUA_NOREF || !gisle_tasks_pending (&job->suspend, L)))
        {
          gisle_job_finish_co (job, L);
          return TRUE;
        }
      if (!progress)
        return FALSE;
    }
}

/* Runs the function and @nargs arguments above the message handler at
 * @base + 1 in the job's coroutine. Returns FALSE if the job suspended. */
static gboolean
gisle_job_pcall (GisleJob  *job,
                 lua_State *L,
                 int        base,
                 int        nargs)
{
  lua_State *co;

  if (job->kind == GISLE_JOB_SETUP || !gisle_job_take_co (job, L))
    {
      gisle_job_pcall_plain (job, L, base, nargs);
      return TRUE;
    }
  co = job->suspend.co;
  if (!lua_checkstack (co, nargs + 3))
    {
      gisle_job_release_co (job, L, TRUE);
      gisle_job_pcall_plain (job, L, base, nargs);
      return TRUE;
    }
  /* body, message handler, function, arguments */
  lua_pushcfunction (co, gisle_job_body);
  lua_pushcfunction (co, gisle_job_co_msgh);
  lua_xmove (L, co, nargs + 1);
  lua_settop (L, base);
  return gisle_job_step (job, L, nargs + 2);
}

/* Goes on with a parked job. One cancelled while parked has its outcome
 * already; it resumes to run its cleanup (the wait raises the cancel). */
gboolean
gisle_job_resume (GisleJob  *job,
                  lua_State *L)
{
  return gisle_job_step (job, L, 0);
}

static gboolean
gisle_job_run_chunk (GisleJob   *job,
                     lua_State  *L,
                     const char *code,
                     const char *chunk_name)
{
  int base = lua_gettop (L);
  int status;

  lua_pushcfunction (L, gisle_job_msgh);
  status = luaL_loadbufferx (L, code, strlen (code),
                             chunk_name != NULL ? chunk_name : "=eval", "t");
  if (status != LUA_OK)
    {
      gisle_job_complete (job, NULL,
                          gisle_error_info_attach_syntax (gisle_job_load_error (L, status),
                                                          chunk_name != NULL ? chunk_name : "=eval"));
      lua_settop (L, base);
      return TRUE;
    }

  return gisle_job_pcall (job, L, base, 0);
}

/* Looks up a dotted global path such as "string.format" and pushes the
 * function and the arguments. Runs protected: __index metamethods may run,
 * so nothing here may own heap memory across a Lua call (a Lua error would
 * longjmp past its release). On failure it returns a message and an error
 * code instead of a function. */
static const char gisle_job_call_failed = 'f';

static int
gisle_job_call_failure (lua_State *L,
                        gint       code)
{
  /* (marker, message, code): the marker cannot be a callable value. */
  lua_pushlightuserdata (L, (void *) &gisle_job_call_failed);
  lua_insert (L, -2);
  lua_pushinteger (L, code);
  return 3;
}

static int
gisle_job_call_prepare (lua_State *L)
{
  GisleJob *job = lua_touserdata (L, 1);
  const char *path = job->function;
  const char *segment = path;
  GError *error = NULL;
  int nargs;

  lua_settop (L, 0);
  lua_pushglobaltable (L);
  for (;;)
    {
      const char *dot = strchr (segment, '.');
      size_t len = dot != NULL ? (size_t) (dot - segment) : strlen (segment);

      int type = lua_type (L, -1);

      if (len == 0 ||
          (type != LUA_TTABLE &&
           (segment == path || luaL_getmetafield (L, -1, "__index") == LUA_TNIL)))
        {
          lua_pushfstring (L, "no function “%s” in the isle (“%s” is not a table)",
                           path, segment == path ? "_G" : lua_pushlstring (L, path, segment - path - 1));
          return gisle_job_call_failure (L, G_ISLE_ERROR_NOT_FOUND);
        }
      /* Indexable through __index: drop the metafield luaL_getmetafield
       * pushed and index the value itself, so __index runs as in Lua. */
      if (type != LUA_TTABLE)
        lua_pop (L, 1);
      lua_pushlstring (L, segment, len);
      lua_gettable (L, -2);
      lua_remove (L, -2);
      if (dot == NULL)
        break;
      segment = dot + 1;
    }

  if (lua_type (L, -1) != LUA_TFUNCTION &&
      luaL_getmetafield (L, -1, "__call") == LUA_TNIL)
    {
      lua_pushfstring (L, "no function “%s” in the isle (it is %s)",
                       path, luaL_typename (L, -1));
      return gisle_job_call_failure (L, G_ISLE_ERROR_NOT_FOUND);
    }
  lua_settop (L, 1);

  nargs = gisle_value_push_args (L, job->args, &error);
  if (nargs < 0)
    {
      gint code = error->code;

      lua_pushstring (L, error->message);
      g_error_free (error);
      return gisle_job_call_failure (L, code);
    }
  return 1 + nargs;
}

static gboolean
gisle_job_run_call (GisleJob  *job,
                    lua_State *L)
{
  int base = lua_gettop (L);
  int status;
  int pushed;

  lua_pushcfunction (L, gisle_job_msgh);
  lua_pushcfunction (L, gisle_job_call_prepare);
  lua_pushlightuserdata (L, job);
  /* The lookup may run __index metamethods: script code, so cancellable. */
  gisle_cancel_enter_lua (job->run, job->cancel, &job->suspend, L);
  status = lua_pcall (L, 1, LUA_MULTRET, 0);
  gisle_cancel_leave_lua (job->run);
  pushed = lua_gettop (L) - base - 1;

  if (gisle_job_cancel_phase (job) != GISLE_CANCEL_NONE)
    {
      gisle_job_complete (job, NULL, gisle_job_cancel_error (job));
      lua_settop (L, base);
      return TRUE;
    }

  if (status != LUA_OK)
    {
      gisle_job_complete (job, NULL,
                          gisle_job_lua_failure (job, L, status, G_ISLE_ERROR_RUNTIME, NULL));
      lua_settop (L, base);
      return TRUE;
    }

  /* A (message, error code) pair instead of a function says why nothing
   * can be called. */
  if (lua_touserdata (L, base + 2) == &gisle_job_call_failed)
    {
      gisle_job_complete (job, NULL,
                          g_error_new_literal (G_ISLE_ERROR, (gint) lua_tointeger (L, -1),
                                               lua_tostring (L, -2)));
      lua_settop (L, base);
      return TRUE;
    }

  return gisle_job_pcall (job, L, base, pushed - 1);
}

typedef struct
{
  GisleJob *job;
  GIsle *isle;
  GVariant *result;
  GError *error;
  gboolean ok;
} ExecContext;

static int
gisle_job_exec_protected (lua_State *L)
{
  ExecContext *ctx = lua_touserdata (L, 1);

  /* The callback gets a clean stack, as a fresh C function would. */
  lua_settop (L, 0);
  if (ctx->job->kind == GISLE_JOB_SETUP)
    ctx->ok = ctx->job->setup_func (ctx->isle, L, ctx->job->setup_data, &ctx->error);
  else
    {
      ctx->result = ctx->job->exec_func (ctx->isle, L, ctx->job->func_data, &ctx->error);
      ctx->ok = ctx->error == NULL;
    }
  return 0;
}

/* Runs a C callback with the lua_State; Lua errors it raises are caught. */
static gboolean
gisle_job_run_c (GisleJob  *job,
                 lua_State *L,
                 GVariant **result,
                 GError   **error)
{
  g_autoptr(GObject) held = gisle_dispatch_ref_isle (job->worker);  /* this floor knows no GIsle class */
  GIsle *isle = (GIsle *) held;
  ExecContext ctx = { job, isle, NULL, NULL, FALSE };
  int base = lua_gettop (L);
  int status;

  lua_pushcfunction (L, gisle_job_msgh);
  lua_pushcfunction (L, gisle_job_exec_protected);
  lua_pushlightuserdata (L, &ctx);
  gisle_cancel_enter_lua (job->run, job->cancel, &job->suspend, L);
  status = lua_pcall (L, 1, 0, base + 1);
  gisle_cancel_leave_lua (job->run);

  if (gisle_job_cancel_phase (job) != GISLE_CANCEL_NONE)
    {
      g_clear_pointer (&ctx.result, g_variant_unref);
      g_clear_error (&ctx.error);
      g_propagate_error (error, gisle_job_cancel_error (job));
    }
  else if (status != LUA_OK)
    {
      g_clear_pointer (&ctx.result, g_variant_unref);
      g_clear_error (&ctx.error);
      g_propagate_error (error, gisle_job_lua_failure (job, L, status, G_ISLE_ERROR_RUNTIME, NULL));
    }
  else if (!ctx.ok)
    {
      g_clear_pointer (&ctx.result, g_variant_unref);
      if (ctx.error == NULL)
        ctx.error = g_error_new_literal (G_ISLE_ERROR, G_ISLE_ERROR_FAILED,
                                         _("The callback failed without saying why"));
      g_propagate_error (error, ctx.error);
    }
  else if (ctx.result != NULL)
    /* The one rule for every GVariant a callback returns: a new reference
     * or a floating one, taken over as it is (never an extra reference). */
    *result = g_variant_take_ref (ctx.result);

  lua_settop (L, base);
  return error == NULL || *error == NULL;
}

static void
gisle_job_run_setup (GisleJob  *job,
                     lua_State *L)
{
  GisleWorker *worker = job->worker;
  GError *error = NULL;
  GVariant *ignored = NULL;

  if (!gisle_state_open (worker, L, &error))
    {
      gisle_job_complete (job, NULL, error);
      return;
    }

  if (job->setup_func != NULL && !gisle_job_run_c (job, L, &ignored, &error))
    {
      g_prefix_error (&error, "The setup function failed: ");
      gisle_job_complete (job, NULL, error);
      return;
    }
  g_clear_pointer (&ignored, g_variant_unref);

  /* The coroutine the first eval or call runs in, made and run once now
   * (its stack and call records grow on first use): creating the isle is
   * where a one-time cost belongs, not its first job. */
  if (gisle_job_take_co (job, L))
    {
      lua_State *co = job->suspend.co;
      int nres;

      if (lua_checkstack (co, 3 * LUA_MINSTACK))
        {
          lua_pushcfunction (co, gisle_job_body);
          lua_pushcfunction (co, gisle_job_co_msgh);
          lua_pushcfunction (co, gisle_job_warm_up);
          lua_resume (co, L, 2, &nres);
          lua_settop (co, 0);
        }
      gisle_job_release_co (job, L, lua_status (co) == LUA_OK);
    }

  /* A failing setup chunk fails construction with its own error. */
  if (job->code != NULL)
    {
      job->error_prefix = "The setup code failed: ";
      gisle_job_run_chunk (job, L, job->code, "=setup-code");
    }
  else
    gisle_job_complete (job, NULL, NULL);
}

/* Returns FALSE when the job suspended in a wait (gisle_job_resume()). */
gboolean
gisle_job_run (GisleJob  *job,
               lua_State *L)
{
  GVariant *result = NULL;
  GError *error = NULL;

  switch (job->kind)
    {
    case GISLE_JOB_SETUP:
      gisle_job_run_setup (job, L);
      break;

    case GISLE_JOB_EVAL:
      return gisle_job_run_chunk (job, L, job->code, job->chunk_name);

    case GISLE_JOB_CALL:
      return gisle_job_run_call (job, L);

    case GISLE_JOB_EXEC:
      if (gisle_job_run_c (job, L, &result, &error))
        gisle_job_complete (job, result, NULL);
      else
        gisle_job_complete (job, NULL, error);
      break;

    case GISLE_JOB_CONTROL:
      job->control_func (job->worker, L, job->func_data);
      gisle_job_complete (job, NULL, NULL);
      break;

    default:
      g_assert_not_reached ();
    }
  return TRUE;
}
