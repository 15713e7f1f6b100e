/* gisle-host.c: functions the host gives to scripts, and the `isle` module.
 *
 * Floor 7 (sandbox and host functions): it uses values, output,
 * invocations, the delivery queue and the cancel floor; it holds the
 * worker through its GisleOwnerClass and calls nothing above it.
 *
 * Thread rule: the table is under worker->lock; Lua-side calls run on
 * the isle's thread; main-context and async functions run in the owner
 * context, reached through the delivery queue.
 *
 * Main-context and async host functions run in the isle's owner context:
 * the worker queues the call through the dispatcher and waits. The wait is
 * a cancellation point; on cancel the call's GCancellable is cancelled so
 * host-side GIO work stops too, and the script moves on without waiting for
 * a host that may never answer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-private.h"
#include "gisle-cancel-private.h"
#include "gisle-dispatch-private.h"
#include "gisle-host-private.h"
#include "gisle-value-private.h"
#include "gisle-output-private.h"
#include "gisle-invocation-private.h"

#include <math.h>
#include <string.h>
#include <lauxlib.h>

struct _GisleHostFunction
{
  gint ref_count;                 /* atomic (inline builtins, visible to TSan) */
  char *name;
  GisleHostFlavour flavour;
  gpointer func;
  gpointer user_data;
  GDestroyNotify notify;
  GMainContext *context;       /* where @notify must run: the owner context */
};

/* One call from a script to a main-context function. The worker waits for
 * @done under worker->lock; the owner context sets it. */
struct _GisleHostCall
{
  gint ref_count;                 /* atomic (inline builtins, visible to TSan) */
  GisleWorker *worker;
  GisleHostFunction *fn;
  GVariant *args;
  GCancellable *cancellable;   /* cancelled when the script stops waiting */
  guint64 job_id;
  gboolean done;
  GVariant *result;
  GError *error;
};

static GisleHostFunction *
gisle_host_function_ref (GisleHostFunction *fn)
{
  g_atomic_int_inc (&fn->ref_count);
  return fn;
}

static gboolean
gisle_host_function_destroy (gpointer data)
{
  GisleHostFunction *fn = data;

  if (fn->notify != NULL)
    fn->notify (fn->user_data);
  gisle_main_context_unref (fn->context);
  g_free (fn->name);
  g_free (fn);
  return G_SOURCE_REMOVE;
}

static void
gisle_host_function_unref (GisleHostFunction *fn)
{
  GSource *source;

  if (!g_atomic_int_dec_and_test (&fn->ref_count))
    return;

  if (gisle_thread_worker == NULL)
    {
      gisle_host_function_destroy (fn);
      return;
    }

  /* The host's destroy notify belongs to its main context, never to a
   * worker thread (a call in flight can hold the last reference). */
  source = g_idle_source_new ();
  g_source_set_static_name (source, "[gisle] host function release");
  g_source_set_callback (source, gisle_host_function_destroy, fn, NULL);
  gisle_source_attach (source, fn->context);
  g_source_unref (source);
}

void
gisle_host_function_free (gpointer data)
{
  gisle_host_function_unref (data);
}

GisleHostCall *
gisle_host_call_ref (GisleHostCall *call)
{
  g_atomic_int_inc (&call->ref_count);
  return call;
}

void
gisle_host_call_unref (GisleHostCall *call)
{
  if (!g_atomic_int_dec_and_test (&call->ref_count))
    return;
  gisle_host_function_unref (call->fn);
  g_clear_pointer (&call->args, g_variant_unref);
  g_clear_pointer (&call->result, g_variant_unref);
  g_clear_error (&call->error);
  g_clear_object (&call->cancellable);
  call->worker->owner_class->unref (call->worker);
  g_free (call);
}

/* From the owner context; the first answer wins, later ones are dropped
 * (a call the script stopped waiting for). */
void
gisle_host_call_complete (GisleHostCall *call,
                          GVariant      *result,
                          GError        *error)
{
  GisleWorker *worker = call->worker;

  /* Host functions return a full reference (or a floating one). */
  if (result != NULL)
    g_variant_take_ref (result);

  gisle_mutex_lock (&worker->lock);
  if (!call->done)
    {
      call->done = TRUE;
      call->result = g_steal_pointer (&result);
      call->error = g_steal_pointer (&error);
      g_cond_broadcast (&worker->work_cond);
    }
  gisle_mutex_unlock (&worker->lock);

  g_clear_pointer (&result, g_variant_unref);
  g_clear_error (&error);
}

/* How a GIsleInvocation, on the floor below, reaches its call. */
static gpointer
gisle_host_call_class_ref (gpointer call)
{
  return gisle_host_call_ref (call);
}

static void
gisle_host_call_class_unref (gpointer call)
{
  gisle_host_call_unref (call);
}

static void
gisle_host_call_class_complete (gpointer  call,
                                GVariant *result,
                                GError   *error)
{
  gisle_host_call_complete (call, result, error);
}

static const GisleInvocationCallClass gisle_host_call_class = {
  .ref = gisle_host_call_class_ref,
  .unref = gisle_host_call_class_unref,
  .complete = gisle_host_call_class_complete,
};

/* The isle whose host function runs on this thread now, if any: a
 * blocking call on that isle would wait for the job that waits for this
 * very function. Set only while the function itself runs. */
static __thread GisleWorker *gisle_host_running_for;

gboolean
gisle_host_is_running (GisleWorker *worker)
{
  return gisle_host_running_for == worker;
}

static gboolean
gisle_host_call_run (gpointer data)
{
  GisleHostCall *call = data;
  g_autoptr(GObject) held = g_weak_ref_get (&call->worker->isle);  /* this floor knows no GIsle class */
  GIsle *isle = (GIsle *) held;
  GisleWorker *outer = gisle_host_running_for;

  if (isle == NULL)
    {
      gisle_host_call_complete (call, NULL,
                                g_error_new (G_ISLE_ERROR, G_ISLE_ERROR_CLOSED,
                                             "host function “%s”: the isle is gone", call->fn->name));
      return G_SOURCE_REMOVE;
    }

  gisle_host_running_for = call->worker;
  if (call->fn->flavour == GISLE_HOST_ASYNC)
    {
      GIsleInvocation *invocation = gisle_invocation_new (isle, &gisle_host_call_class, call,
                                                          call->fn->name, call->args,
                                                          call->cancellable, call->job_id);

      ((GIsleAsyncHostFunc) call->fn->func) (isle, call->args, invocation, call->fn->user_data);
    }
  else
    {
      GError *error = NULL;
      GVariant *result;

      result = ((GIsleHostFunc) call->fn->func) (isle, call->args, call->cancellable,
                                                 call->fn->user_data, &error);
      gisle_host_call_complete (call, result, error);
    }
  gisle_host_running_for = outer;
  return G_SOURCE_REMOVE;
}

static int
gisle_host_holder_gc (lua_State *L)
{
  GVariant **holder = lua_touserdata (L, 1);

  g_clear_pointer (holder, g_variant_unref);
  return 0;
}

/* Pushes the results and consumes @result. On failure, leaves an error
 * message on the stack and returns -1: the caller raises it once it owns
 * nothing more (a Lua error longjmps past any cleanup). Pushing is a
 * cancellation point, so while it runs @result is held by a userdata the
 * garbage collector releases if a cancel jumps out. */
static int
gisle_host_push_results (lua_State  *L,
                         GVariant   *result,
                         const char *name)
{
  GError *error = NULL;
  GVariant **holder;
  int holder_index;
  int n;

  if (result == NULL)
    return 0;

  holder = lua_newuserdatauv (L, sizeof (GVariant *), 0);
  *holder = result;
  holder_index = lua_gettop (L);
  lua_createtable (L, 0, 1);
  lua_pushcfunction (L, gisle_host_holder_gc);
  lua_setfield (L, -2, "__gc");
  lua_setmetatable (L, -2);

  if (g_variant_is_of_type (result, G_VARIANT_TYPE_TUPLE))
    n = gisle_value_push_args (L, result, &error);
  else
    n = gisle_value_push (L, result, "result", &error) ? 1 : -1;
  g_clear_pointer (holder, g_variant_unref);
  lua_remove (L, holder_index);
  if (n < 0)
    {
      lua_pushfstring (L, "host function “%s” returned a value that cannot enter the isle: %s",
                       name, error->message);
      g_error_free (error);
    }
  return n;
}

/* Waits for the owner context to answer; returns FALSE if the job was
 * cancelled first. */
static gboolean
gisle_host_wait (lua_State     *L,
                 GisleHostCall *call)
{
  GisleWorker *worker = call->worker;
  gboolean done;

  gisle_mutex_lock (&worker->lock);
  while (!call->done && !gisle_cancel_is_due (L))
    gisle_cond_wait (&worker->work_cond, &worker->lock);
  done = call->done;
  gisle_mutex_unlock (&worker->lock);

  return done;
}

static GisleHostFunction *
gisle_host_lookup (GisleWorker *worker,
                   const char  *name)
{
  GisleHostFunction *fn;

  gisle_mutex_lock (&worker->lock);
  fn = g_hash_table_lookup (worker->host_functions, name);
  if (fn != NULL)
    gisle_host_function_ref (fn);
  gisle_mutex_unlock (&worker->lock);
  return fn;
}

/* Raises @error's message as a Lua error, freeing it first: nothing may be
 * owned across lua_error(), which longjmps. */
static int
gisle_host_raise (lua_State  *L,
                  const char *prefix,
                  GError     *error)
{
  if (prefix != NULL)
    lua_pushfstring (L, "%s: %s", prefix, error->message);
  else
    lua_pushstring (L, error->message);
  g_error_free (error);
  return lua_error (L);
}

static int
gisle_host_call_worker (lua_State         *L,
                        GisleHostFunction *fn,
                        GVariant          *args)
{
  GError *error = NULL;
  GVariant *result;
  int n;

  result = ((GIsleWorkerFunc) fn->func) (args, fn->user_data, &error);
  g_variant_unref (args);
  if (result != NULL)
    g_variant_take_ref (result);
  if (error != NULL)
    {
      g_clear_pointer (&result, g_variant_unref);
      gisle_host_function_unref (fn);
      return gisle_host_raise (L, NULL, error);
    }

  /* Release the function before pushing, which may raise. */
  lua_settop (L, 0);
  lua_pushstring (L, fn->name);
  gisle_host_function_unref (fn);
  n = gisle_host_push_results (L, result, lua_tostring (L, 1));
  if (n < 0)
    return lua_error (L);
  lua_remove (L, 1);
  return n;
}

static gboolean
gisle_host_cancel_in_owner (gpointer cancellable)
{
  g_cancellable_cancel (cancellable);
  return G_SOURCE_REMOVE;
}

/* From the canceller, once @job's cancel is requested: the cancellable its
 * host functions got is cancelled in the owner context, where the host's
 * "cancelled" handlers belong, also for functions that already returned
 * and left GIO work running. Takes the reference. */
void
gisle_host_cancel_job_calls (GisleWorker  *worker,
                             GCancellable *host_cancellable)
{
  gisle_dispatch_invoke (worker, gisle_host_cancel_in_owner, host_cancellable, g_object_unref);
}

/* The cancellable for a host call made now by @job: the job's own while it
 * is not cancelled (gisle_cancel_request() cancels it), a fresh one for
 * calls made by cleanup code after the cancel. */
static GCancellable *
gisle_host_call_cancellable (GisleWorker *worker,
                             GisleJob    *job)
{
  GCancellable *cancellable;

  if (job == NULL)
    return g_cancellable_new ();
  gisle_mutex_lock (&worker->lock);
  if (g_atomic_int_get (&job->cancel_phase) != GISLE_CANCEL_NONE)
    cancellable = g_cancellable_new ();
  else
    {
      if (job->host_cancellable == NULL)
        job->host_cancellable = g_cancellable_new ();
      cancellable = g_object_ref (job->host_cancellable);
    }
  gisle_mutex_unlock (&worker->lock);
  return cancellable;
}

/* Hands the call to the owner context and waits for its answer. */
static int
gisle_host_call_main (lua_State         *L,
                      GisleWorker       *worker,
                      GisleHostFunction *fn,
                      GVariant          *args)
{
  GisleJob *job = gisle_cancel_current_job (L);
  GisleHostCall *call;
  GVariant *result;
  gboolean answered;
  int n;

  call = g_new0 (GisleHostCall, 1);
  call->ref_count = 1;
  call->worker = worker->owner_class->ref (worker);
  call->fn = fn;
  call->args = args;
  call->cancellable = gisle_host_call_cancellable (worker, job);
  call->job_id = job != NULL ? job->id : 0;

  gisle_dispatch_invoke (worker, gisle_host_call_run, gisle_host_call_ref (call),
                         (GDestroyNotify) gisle_host_call_unref);
  answered = gisle_host_wait (L, call);

  if (!answered)
    {
      /* Stop the host's work too; its late answer is dropped. The cancel is
       * delivered in the owner context, after the call itself, because the
       * host's "cancelled" handlers belong there, not on this thread. */
      gisle_dispatch_invoke (worker, gisle_host_cancel_in_owner,
                             g_object_ref (call->cancellable), g_object_unref);
      gisle_host_call_unref (call);
      gisle_cancel_raise (L);
    }

  if (call->error != NULL)
    {
      GError *error = g_steal_pointer (&call->error);

      gisle_host_call_unref (call);
      return gisle_host_raise (L, NULL, error);
    }

  result = g_steal_pointer (&call->result);
  lua_settop (L, 0);
  lua_pushstring (L, call->fn->name);
  gisle_host_call_unref (call);
  n = gisle_host_push_results (L, result, lua_tostring (L, 1));
  if (n < 0)
    return lua_error (L);
  lua_remove (L, 1);
  return n;
}

/* The Lua side of every host function; its upvalue is the name, looked up
 * at each call so a replaced function takes effect and a removed one says
 * so. */
static int
gisle_host_trampoline (lua_State *L)
{
  GisleWorker *worker = gisle_worker_from_lua (L);
  const char *name = lua_tostring (L, lua_upvalueindex (1));
  GError *error = NULL;
  GisleHostFunction *fn;
  GVariant *args;

  gisle_cancel_check (L);

  args = gisle_value_to_tuple (L, 1, lua_gettop (L), "argument", &error);
  if (args == NULL)
    return gisle_host_raise (L, name, error);

  fn = gisle_host_lookup (worker, name);
  if (fn == NULL)
    {
      g_variant_unref (args);
      return luaL_error (L, "host function “%s” was removed", name);
    }

  if (fn->flavour == GISLE_HOST_WORKER)
    return gisle_host_call_worker (L, fn, args);
  return gisle_host_call_main (L, worker, fn, args);
}

/* The names scripts reach host functions and exposed objects by: Lua
 * identifiers, with dots for nested tables. */
gboolean
gisle_host_name_is_valid (const char *name)
{
  g_auto(GStrv) parts = NULL;

  if (name == NULL || *name == '\0')
    return FALSE;
  parts = g_strsplit (name, ".", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *p = parts[i];

      if (!g_ascii_isalpha (*p) && *p != '_')
        return FALSE;
      for (; *p != '\0'; p++)
        if (!g_ascii_isalnum (*p) && *p != '_')
          return FALSE;
    }
  return TRUE;
}

/* Sets the global at a dotted @path to the value on top of the stack
 * (popping it), creating intermediate tables. Owns no heap memory, since
 * Lua may raise a memory error at any step. */
void
gisle_host_set_path (lua_State  *L,
                     const char *path)
{
  int value = lua_gettop (L);
  const char *segment = path;
  const char *dot;

  lua_pushglobaltable (L);
  while ((dot = strchr (segment, '.')) != NULL)
    {
      lua_pushlstring (L, segment, dot - segment);
      if (lua_rawget (L, -2) != LUA_TTABLE)
        {
          lua_pop (L, 1);
          lua_newtable (L);
          lua_pushlstring (L, segment, dot - segment);
          lua_pushvalue (L, -2);
          lua_rawset (L, -4);
        }
      lua_remove (L, -2);
      segment = dot + 1;
    }
  lua_pushvalue (L, value);
  lua_setfield (L, -2, segment);
  lua_settop (L, value - 1);
}

static void
gisle_host_install (lua_State  *L,
                    const char *name)
{
  lua_pushstring (L, name);
  lua_pushcclosure (L, gisle_host_trampoline, 1);
  gisle_host_set_path (L, name);
}

static int
gisle_host_install_protected (lua_State *L)
{
  gisle_host_install (L, lua_touserdata (L, 1));
  return 0;
}

static int
gisle_host_uninstall_protected (lua_State *L)
{
  const char *name = lua_touserdata (L, 1);

  lua_settop (L, 0);
  lua_pushnil (L);
  gisle_host_set_path (L, name);
  return 0;
}

/* Worker side of gisle_host_add/remove: the isle runs them as control jobs
 * so they take effect in order with the jobs around them. */
void
gisle_host_control_install (GisleWorker *worker,
                            lua_State   *L,
                            gpointer     data)
{
  lua_pushcfunction (L, gisle_host_install_protected);
  lua_pushlightuserdata (L, data);
  lua_pcall (L, 1, 0, 0);
  lua_settop (L, 0);
}

void
gisle_host_control_uninstall (GisleWorker *worker,
                              lua_State   *L,
                              gpointer     data)
{
  lua_pushcfunction (L, gisle_host_uninstall_protected);
  lua_pushlightuserdata (L, data);
  lua_pcall (L, 1, 0, 0);
  lua_settop (L, 0);
}

void
gisle_host_install_all (GisleWorker *worker,
                        lua_State   *L)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;

  gisle_mutex_lock (&worker->lock);
  g_hash_table_iter_init (&iter, worker->host_functions);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (names, g_strdup (key));
  gisle_mutex_unlock (&worker->lock);

  /* Each install is its own protected call, so a memory error cannot
   * longjmp past the array's release. */
  for (guint i = 0; i < names->len; i++)
    gisle_host_control_install (worker, L, names->pdata[i]);
}

void
gisle_host_add (GisleWorker    *worker,
                const char     *name,
                int             flavour,
                gpointer        func,
                gpointer        user_data,
                GDestroyNotify  notify)
{
  GisleHostFunction *fn = g_new0 (GisleHostFunction, 1);

  fn->ref_count = 1;
  fn->name = g_strdup (name);
  fn->flavour = flavour;
  fn->func = func;
  fn->user_data = user_data;
  fn->notify = notify;
  fn->context = g_main_context_ref (worker->owner_context);

  gisle_mutex_lock (&worker->lock);
  g_hash_table_replace (worker->host_functions, g_strdup (name), fn);
  gisle_mutex_unlock (&worker->lock);
}

gboolean
gisle_host_remove (GisleWorker *worker,
                   const char  *name)
{
  gpointer stolen_key = NULL, stolen_value = NULL;
  gboolean found;

  gisle_mutex_lock (&worker->lock);
  found = g_hash_table_steal_extended (worker->host_functions, name, &stolen_key, &stolen_value);
  gisle_mutex_unlock (&worker->lock);

  if (!found)
    return FALSE;

  /* Released outside the lock: the destroy notify is the host's code. */
  g_free (stolen_key);
  gisle_host_function_unref (stolen_value);
  return TRUE;
}

/* ---- The `isle` module ---------------------------------------------- */

static int
gisle_isle_lua_emit (lua_State *L)
{
  GisleWorker *worker = gisle_worker_from_lua (L);
  const char *name = luaL_checkstring (L, 1);
  GError *error = NULL;
  GVariant *value;

  if (!g_signal_is_valid_name (name))
    return luaL_argerror (L, 1, "event names use letters, digits, '-' and '_' and start with a letter");

  if (lua_isnoneornil (L, 2))
    value = g_variant_ref_sink (g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL));
  else
    value = gisle_value_to_variant (L, 2, "argument 2", &error);
  if (value == NULL)
    return gisle_host_raise (L, "isle.emit", error);

  /* The event takes the value; waiting may raise, and nothing is left to
   * release. */
  gisle_dispatch_event (worker, name, value);
  gisle_output_wait_room (L);
  return 0;
}

static int
gisle_isle_lua_progress (lua_State *L)
{
  GisleWorker *worker = gisle_worker_from_lua (L);
  GisleJob *job = gisle_cancel_current_job (L);
  double fraction = luaL_checknumber (L, 1);
  const char *text = luaL_optstring (L, 2, NULL);

  if (isnan (fraction))
    return luaL_argerror (L, 1, "not a number");
  gisle_dispatch_progress (worker, job != NULL ? job->id : 0, CLAMP (fraction, 0.0, 1.0), text);
  gisle_output_wait_room (L);
  return 0;
}

static int
gisle_isle_lua_cancelled (lua_State *L)
{
  lua_pushboolean (L, gisle_cancel_is_requested (L));
  return 1;
}

/* Waits on the worker's condition, which every cancel broadcasts, so it
 * wakes at once on Stop. */
static int
gisle_isle_lua_sleep (lua_State *L)
{
  GisleWorker *worker = gisle_worker_from_lua (L);
  double seconds = luaL_checknumber (L, 1);
  gint64 end_time;

  if (isnan (seconds) || seconds < 0)
    return luaL_argerror (L, 1, "expected a number of seconds >= 0");
  seconds = MIN (seconds, 365.0 * 24 * 3600);
  end_time = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  gisle_cancel_check (L);
  gisle_mutex_lock (&worker->lock);
  while (!gisle_cancel_is_requested (L) &&
         gisle_cond_wait_until (&worker->work_cond, &worker->lock, end_time))
    ;
  gisle_mutex_unlock (&worker->lock);
  gisle_cancel_check (L);
  return 0;
}

static int
gisle_isle_lua_job_id (lua_State *L)
{
  GisleJob *job = gisle_cancel_current_job (L);

  lua_pushinteger (L, job != NULL ? (lua_Integer) job->id : 0);
  return 1;
}

static const luaL_Reg gisle_isle_functions[] = {
  { "emit", gisle_isle_lua_emit },
  { "progress", gisle_isle_lua_progress },
  { "cancelled", gisle_isle_lua_cancelled },
  { "sleep", gisle_isle_lua_sleep },
  { "job_id", gisle_isle_lua_job_id },
  { NULL, NULL },
};

void
gisle_host_open (lua_State *L)
{
  luaL_newlib (L, gisle_isle_functions);
  lua_pushliteral (L, GISLE_VERSION_STRING);
  lua_setfield (L, -2, "version");
  lua_setglobal (L, "isle");
}
