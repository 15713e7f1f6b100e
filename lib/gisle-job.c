/* gisle-job.c: one unit of work: what it runs on the worker thread and how
 * its outcome reaches the caller.
 *
 * Floor 9 (jobs): it opens the state for the setup job, runs chunks and
 * converts results; it completes through the delivery queue and holds
 * its worker through its GisleOwnerClass.
 *
 * Thread rule: gisle_job_run() on the thread that runs the isle; the
 * completion is claimed once by whichever thread gets there first and
 * delivered in the task's context; waits on the caller's thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-private.h"
#include "gisle-cancel-private.h"
#include "gisle-dispatch-private.h"
#include "gisle-job-private.h"
#include "gisle-state-private.h"
#include "gisle-error-info-private.h"
#include "gisle-value-private.h"
#include "gisle-i18n-private.h"

#include <string.h>
#include <lauxlib.h>

GisleJob *
gisle_job_new (GisleWorker  *worker,
               GisleJobKind  kind)
{
  GisleJob *job = g_new0 (GisleJob, 1);

  job->ref_count = 1;
  job->kind = kind;
  job->worker = worker->owner_class->ref (worker);
  job->id = (guint64) __atomic_add_fetch (&worker->next_job_id, 1, __ATOMIC_RELAXED);
  g_mutex_init (&job->sync_lock);
  g_cond_init (&job->sync_cond);

  return job;
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
  g_clear_object (&job->host_cancellable);
  if (job->serve_workers != NULL)
    g_ptr_array_unref (job->serve_workers);
  g_mutex_clear (&job->sync_lock);
  g_cond_clear (&job->sync_cond);
  job->worker->owner_class->unref (job->worker);
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

  worker->owner_class->unref (worker);
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
    g_ptr_array_add (job->serve_workers, worker->owner_class->ref (worker));
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
  return gisle_job_cancelled_error (job->cancel_reason);
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
    return gisle_error_new_memory (job->worker->memory_limit,
                                   __atomic_load_n (&job->worker->memory_in_use, __ATOMIC_RELAXED));
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

  if (g_atomic_int_get (&job->cancel_phase) != GISLE_CANCEL_NONE)
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
 * @base + 1, then completes the job with what happened. */
static void
gisle_job_pcall (GisleJob  *job,
                 lua_State *L,
                 int        base,
                 int        nargs)
{
  int status;

  gisle_cancel_enter_lua (job->worker, job, L);
  status = lua_pcall (L, nargs, LUA_MULTRET, base + 1);

  /* Decided by the flag, never by the error: a script that caught the
   * cancel and returned normally was still cancelled. */
  if (g_atomic_int_get (&job->cancel_phase) != GISLE_CANCEL_NONE)
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

  gisle_cancel_leave_lua (job->worker);
  lua_settop (L, base);
}

static void
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
      return;
    }

  gisle_job_pcall (job, L, base, 0);
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

static void
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
  gisle_cancel_enter_lua (job->worker, job, L);
  status = lua_pcall (L, 1, LUA_MULTRET, 0);
  gisle_cancel_leave_lua (job->worker);
  pushed = lua_gettop (L) - base - 1;

  if (g_atomic_int_get (&job->cancel_phase) != GISLE_CANCEL_NONE)
    {
      gisle_job_complete (job, NULL, gisle_job_cancel_error (job));
      lua_settop (L, base);
      return;
    }

  if (status != LUA_OK)
    {
      gisle_job_complete (job, NULL,
                          gisle_job_lua_failure (job, L, status, G_ISLE_ERROR_RUNTIME, NULL));
      lua_settop (L, base);
      return;
    }

  /* A (message, error code) pair instead of a function says why nothing
   * can be called. */
  if (lua_touserdata (L, base + 2) == &gisle_job_call_failed)
    {
      gisle_job_complete (job, NULL,
                          g_error_new_literal (G_ISLE_ERROR, (gint) lua_tointeger (L, -1),
                                               lua_tostring (L, -2)));
      lua_settop (L, base);
      return;
    }

  gisle_job_pcall (job, L, base, pushed - 1);
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
    ctx->ok = ctx->job->worker->setup_func (ctx->isle, L, ctx->job->worker->setup_data, &ctx->error);
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
  g_autoptr(GObject) held = g_weak_ref_get (&job->worker->isle);  /* this floor knows no GIsle class */
  GIsle *isle = (GIsle *) held;
  ExecContext ctx = { job, isle, NULL, NULL, FALSE };
  int base = lua_gettop (L);
  int status;

  lua_pushcfunction (L, gisle_job_msgh);
  lua_pushcfunction (L, gisle_job_exec_protected);
  lua_pushlightuserdata (L, &ctx);
  gisle_cancel_enter_lua (job->worker, job, L);
  status = lua_pcall (L, 1, 0, base + 1);
  gisle_cancel_leave_lua (job->worker);

  if (g_atomic_int_get (&job->cancel_phase) != GISLE_CANCEL_NONE)
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

  if (worker->setup_func != NULL && !gisle_job_run_c (job, L, &ignored, &error))
    {
      g_prefix_error (&error, "The setup function failed: ");
      gisle_job_complete (job, NULL, error);
      return;
    }
  g_clear_pointer (&ignored, g_variant_unref);

  /* A failing setup chunk fails construction with its own error. */
  if (worker->setup_code != NULL)
    {
      job->error_prefix = "The setup code failed: ";
      gisle_job_run_chunk (job, L, worker->setup_code, "=setup-code");
    }
  else
    gisle_job_complete (job, NULL, NULL);
}

void
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
      gisle_job_run_chunk (job, L, job->code, job->chunk_name);
      break;

    case GISLE_JOB_CALL:
      gisle_job_run_call (job, L);
      break;

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
}
