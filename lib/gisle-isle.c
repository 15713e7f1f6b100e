/* gisle-isle.c: the GIsle object and its public API.
 *
 * Floor 13 (the isle): the public GIsle, on top of the worker, jobs and
 * the delivery queue. Floors above it (bridge, profiler) register close
 * hooks (gisle_isle_add_close_hook()); it calls none of them.
 *
 * Thread rule: the API may be called from any thread unless a function
 * says otherwise; signals are emitted only in #GIsle:main-context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle.h"
#include "gisle-private.h"
#include "gisle-dispatch-private.h"
#include "gisle-isle-executor-private.h"
#include "gisle-job-private.h"
#include "gisle-worker-cancel-private.h"
#include "gisle-worker-private.h"
#include "gisle-host-private.h"
#include "gisle-isle-private.h"
#include "gisle-error-info-private.h"
#include "gisle-i18n-private.h"

#include <string.h>

/**
 * GIsle:
 *
 * One Lua 5.4 state on its own worker thread.
 *
 * Any thread may hand an isle work: evaluate a chunk with g_isle_eval_async(),
 * call a global Lua function with g_isle_call_async(), or (from C) run a
 * callback with the `lua_State` with g_isle_exec_async(). Jobs run one at a
 * time, in the order they were submitted. Results are #GVariant tuples; see
 * the value mapping in the documentation.
 *
 * Asynchronous calls complete in the thread-default #GMainContext of the
 * thread that made them. Signals (#GIsle::output, #GIsle::event,
 * #GIsle::progress) and main-context host functions run in the isle's
 * #GIsle:main-context: the thread-default context when the isle was
 * created. Blocking variants are meant for worker threads; calling one from
 * the isle's own thread fails with %G_ISLE_ERROR_WOULD_DEADLOCK.
 *
 * Cancelling a job's #GCancellable stops it within about a millisecond,
 * even inside `pcall`, `xpcall` and coroutines, and the isle stays usable.
 * A job stuck where Lua cannot interrupt it (a long C call, a looping
 * finalizer) is abandoned after #GIsle:hard-deadline and the isle becomes
 * defunct (#GIsle:defunct).
 */
struct _GIsle
{
  GObject parent_instance;

  GisleWorker *worker;
  GIsleExecutor *executor;
};

static void g_isle_initable_iface_init       (GInitableIface      *iface);
static void g_isle_async_initable_iface_init (GAsyncInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GIsle, g_isle, G_TYPE_OBJECT,
  G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, g_isle_initable_iface_init)
  G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE, g_isle_async_initable_iface_init))

enum {
  PROP_0,
  PROP_THREAD_NAME,
  PROP_QUEUE_CAPACITY,
  PROP_MEMORY_LIMIT,
  PROP_LIBRARIES,
  PROP_SETUP_CODE,
  PROP_DEFAULT_TIMEOUT,
  PROP_GRACE_PERIOD,
  PROP_HARD_DEADLINE,
  PROP_MAIN_CONTEXT,
  PROP_CLOSED,
  PROP_DEFUNCT,
  PROP_EXECUTOR,
  PROP_NAME,
  PROP_MEMORY_IN_USE,
  N_PROPS
};

enum {
  SIGNAL_OUTPUT,
  SIGNAL_EVENT,
  SIGNAL_PROGRESS,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- Signal emission (owner context, from gisle-dispatch.c) ---------- */

static void
g_isle_emit_output (GIsle       *isle,
                    guint64      job_id,
                    GIsleStream  stream,
                    const char  *text)
{
  g_signal_emit (isle, signals[SIGNAL_OUTPUT], 0, job_id, stream, text);
}

static void
g_isle_emit_event (GIsle      *isle,
                   const char *name,
                   GVariant   *value)
{
  g_signal_emit (isle, signals[SIGNAL_EVENT], g_quark_from_string (name), name, value);
}

static void
g_isle_emit_progress (GIsle      *isle,
                      guint64     job_id,
                      double      fraction,
                      const char *text)
{
  g_signal_emit (isle, signals[SIGNAL_PROGRESS], 0, job_id, fraction, text);
}

/* How the delivery queue reaches this object's signals, in its main
 * context: it knows the isle only through these. */
static const GisleSignalSink g_isle_signal_sink = {
  g_isle_emit_output,
  g_isle_emit_event,
  g_isle_emit_progress,
};

/* For the object bridge and the profiler (gisle-bridge.c, gisle-profile.c). */
GisleWorker *
gisle_isle_get_worker (GIsle *isle)
{
  return isle->worker;
}

/* ---- GObject -------------------------------------------------------- */

static void
g_isle_init (GIsle *self)
{
  self->worker = gisle_worker_new ();
  self->worker->signals = &g_isle_signal_sink;
  g_weak_ref_set (&self->worker->isle, self);
}

/* The floors above the isle, told when it closes (gisle-isle-private.h).
 * A handful at most: the object bridge and the profiler today. */
static GMutex gisle_isle_close_hooks_lock;
static GisleIsleCloseHook gisle_isle_close_hooks[4];
static guint gisle_isle_n_close_hooks;

void
gisle_isle_add_close_hook (GisleIsleCloseHook hook)
{
  gisle_mutex_lock (&gisle_isle_close_hooks_lock);
  for (guint i = 0; i < gisle_isle_n_close_hooks; i++)
    if (gisle_isle_close_hooks[i] == hook)
      {
        gisle_mutex_unlock (&gisle_isle_close_hooks_lock);
        return;
      }
  g_assert (gisle_isle_n_close_hooks < G_N_ELEMENTS (gisle_isle_close_hooks));
  gisle_isle_close_hooks[gisle_isle_n_close_hooks++] = hook;
  gisle_mutex_unlock (&gisle_isle_close_hooks_lock);
}

static void
gisle_isle_run_close_hooks (GisleWorker *worker,
                            gboolean     disposing)
{
  GisleIsleCloseHook hooks[G_N_ELEMENTS (gisle_isle_close_hooks)];
  guint n_hooks;

  gisle_mutex_lock (&gisle_isle_close_hooks_lock);
  n_hooks = gisle_isle_n_close_hooks;
  memcpy (hooks, gisle_isle_close_hooks, sizeof hooks);
  gisle_mutex_unlock (&gisle_isle_close_hooks_lock);
  for (guint i = 0; i < n_hooks; i++)
    hooks[i] (worker, disposing);
}

static void
g_isle_dispose (GObject *object)
{
  GIsle *self = G_ISLE (object);
  GisleWorker *worker = self->worker;
  g_autoptr(GHashTable) functions = NULL;

  /* Never waits: the thread finishes (or is abandoned) on its own. */
  gisle_worker_close (worker, NULL);

  /* Host closures are released here, in the thread that drops the isle,
   * rather than on the worker thread. */
  gisle_mutex_lock (&worker->lock);
  functions = g_steal_pointer (&worker->host_functions);
  worker->host_functions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                  gisle_host_function_free);
  gisle_mutex_unlock (&worker->lock);
  gisle_isle_run_close_hooks (worker, TRUE);

  G_OBJECT_CLASS (g_isle_parent_class)->dispose (object);
}

static void
g_isle_finalize (GObject *object)
{
  GIsle *self = G_ISLE (object);

  g_weak_ref_set (&self->worker->isle, NULL);
  gisle_worker_unref (self->worker);
  g_clear_object (&self->executor);

  G_OBJECT_CLASS (g_isle_parent_class)->finalize (object);
}

static void
g_isle_get_property (GObject    *object,
                     guint       prop_id,
                     GValue     *value,
                     GParamSpec *pspec)
{
  GIsle *self = G_ISLE (object);

  switch (prop_id)
    {
    case PROP_THREAD_NAME:
      g_value_set_string (value, g_isle_get_thread_name (self));
      break;
    case PROP_QUEUE_CAPACITY:
      g_value_set_uint (value, g_isle_get_queue_capacity (self));
      break;
    case PROP_MEMORY_LIMIT:
      g_value_set_uint64 (value, g_isle_get_memory_limit (self));
      break;
    case PROP_LIBRARIES:
      g_value_set_flags (value, g_isle_get_libraries (self));
      break;
    case PROP_SETUP_CODE:
      g_value_set_string (value, g_isle_get_setup_code (self));
      break;
    case PROP_DEFAULT_TIMEOUT:
      g_value_set_uint (value, g_isle_get_default_timeout (self));
      break;
    case PROP_GRACE_PERIOD:
      g_value_set_uint (value, g_isle_get_grace_period (self));
      break;
    case PROP_HARD_DEADLINE:
      g_value_set_uint (value, g_isle_get_hard_deadline (self));
      break;
    case PROP_MAIN_CONTEXT:
      g_value_set_boxed (value, g_isle_get_main_context (self));
      break;
    case PROP_CLOSED:
      g_value_set_boolean (value, g_isle_is_closed (self));
      break;
    case PROP_DEFUNCT:
      g_value_set_boolean (value, g_isle_is_defunct (self));
      break;
    case PROP_EXECUTOR:
      g_value_set_object (value, self->executor);
      break;
    case PROP_NAME:
      g_value_set_string (value, g_isle_get_name (self));
      break;
    case PROP_MEMORY_IN_USE:
      g_value_set_uint64 (value, g_isle_get_memory_in_use (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
g_isle_set_property (GObject      *object,
                     guint         prop_id,
                     const GValue *value,
                     GParamSpec   *pspec)
{
  GIsle *self = G_ISLE (object);
  GisleWorker *worker = self->worker;

  switch (prop_id)
    {
    case PROP_THREAD_NAME:
      if (g_value_get_string (value) != NULL)
        {
          g_free (worker->thread_name);
          worker->thread_name = g_value_dup_string (value);
        }
      break;
    case PROP_QUEUE_CAPACITY:
      worker->queue_capacity = g_value_get_uint (value);
      break;
    case PROP_MEMORY_LIMIT:
      worker->memory_limit = g_value_get_uint64 (value);
      break;
    case PROP_LIBRARIES:
      worker->libraries = g_value_get_flags (value);
      break;
    case PROP_SETUP_CODE:
      g_free (worker->setup_code);
      worker->setup_code = g_value_dup_string (value);
      break;
    case PROP_DEFAULT_TIMEOUT:
      g_isle_set_default_timeout (self, g_value_get_uint (value));
      break;
    case PROP_GRACE_PERIOD:
      g_isle_set_grace_period (self, g_value_get_uint (value));
      break;
    case PROP_HARD_DEADLINE:
      g_isle_set_hard_deadline (self, g_value_get_uint (value));
      break;
    case PROP_EXECUTOR:
      self->executor = g_value_dup_object (value);
      if (self->executor != NULL)
        worker->executor = gisle_executor_ref (gisle_isle_executor_get_core (self->executor));
      break;
    case PROP_NAME:
      g_free (worker->name);
      worker->name = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
g_isle_class_init (GIsleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = g_isle_dispose;
  object_class->finalize = g_isle_finalize;
  object_class->get_property = g_isle_get_property;
  object_class->set_property = g_isle_set_property;

  /**
   * GIsle:thread-name:
   *
   * The name of the isle's worker thread, as shown by debuggers and `top`.
   * Linux keeps at most 15 bytes; longer names are cut at a character
   * boundary for the operating system.
   */
  properties[PROP_THREAD_NAME] =
    g_param_spec_string ("thread-name", "Thread name", "The name of the worker thread",
                         "gisle",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsle:queue-capacity:
   *
   * How many jobs may wait before blocking calls (g_isle_eval() and
   * friends) wait for room. Asynchronous calls never block: beyond the
   * capacity they still wait their turn, in order.
   */
  properties[PROP_QUEUE_CAPACITY] =
    g_param_spec_uint ("queue-capacity", "Queue capacity", "Jobs that may wait before blocking callers wait",
                       1, G_MAXUINT, 256,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsle:memory-limit:
   *
   * The most memory, in bytes, the Lua state may use, or 0 for no limit.
   * A job that needs more fails with %G_ISLE_ERROR_MEMORY and the isle stays
   * usable.
   */
  properties[PROP_MEMORY_LIMIT] =
    g_param_spec_uint64 ("memory-limit", "Memory limit", "Bytes the Lua state may use, 0 for no limit",
                         0, G_MAXUINT64, 0,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsle:libraries:
   *
   * Which Lua libraries the isle opens. The default,
   * %G_ISLE_LIBRARIES_SAFE, contains nothing that can end, block or escape
   * the host process.
   */
  properties[PROP_LIBRARIES] =
    g_param_spec_flags ("libraries", "Libraries", "The Lua libraries the isle opens",
                        G_TYPE_ISLE_LIBRARIES, G_ISLE_LIBRARIES_SAFE,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsle:setup-code:
   *
   * A Lua chunk run once when the isle starts, before any job. If it fails,
   * construction fails with its error.
   */
  properties[PROP_SETUP_CODE] =
    g_param_spec_string ("setup-code", "Setup code", "A Lua chunk run when the isle starts",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsle:default-timeout:
   *
   * The time limit, in milliseconds, of jobs that do not set their own
   * (see g_isle_eval_full()), counted from when the job starts running; 0
   * for none. A job over its limit fails with %G_IO_ERROR_TIMED_OUT.
   */
  properties[PROP_DEFAULT_TIMEOUT] =
    g_param_spec_uint ("default-timeout", "Default timeout", "Milliseconds a job may run, 0 for no limit",
                       0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsle:grace-period:
   *
   * Milliseconds between the catchable cancel and the one nothing can
   * catch. During the grace period `<close>` variables, `pcall` cleanups
   * and code that checks `isle.cancelled()` may run. The default, 100 ms,
   * is far longer than any cleanup needs and still feels immediate.
   */
  properties[PROP_GRACE_PERIOD] =
    g_param_spec_uint ("grace-period", "Grace period", "Milliseconds a cancelled script may clean up",
                       0, G_MAXUINT, 100,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsle:hard-deadline:
   *
   * Milliseconds after a cancel by which the job must have stopped. A job
   * still running then is stuck where Lua cannot interrupt it; its caller
   * gets %G_ISLE_ERROR_DEFUNCT, the thread is abandoned and the isle
   * becomes defunct.
   */
  properties[PROP_HARD_DEADLINE] =
    g_param_spec_uint ("hard-deadline", "Hard deadline", "Milliseconds after a cancel before the isle is abandoned",
                       1, G_MAXUINT, 1000,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsle:main-context:
   *
   * The context where signals are emitted and main-context host functions
   * run: the thread-default #GMainContext of the thread that created the
   * isle.
   */
  properties[PROP_MAIN_CONTEXT] =
    g_param_spec_boxed ("main-context", "Main context", "Where signals and host functions run",
                        G_TYPE_MAIN_CONTEXT,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * GIsle:closed:
   *
   * Whether g_isle_close() was called (or the isle failed to start).
   * Notified in #GIsle:main-context.
   */
  properties[PROP_CLOSED] =
    g_param_spec_boolean ("closed", "Closed", "Whether the isle was closed",
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * GIsle:defunct:
   *
   * Whether a cancelled job failed to stop before #GIsle:hard-deadline. A
   * defunct isle fails every call at once with %G_ISLE_ERROR_DEFUNCT;
   * create a new one. Notified in #GIsle:main-context.
   */
  properties[PROP_DEFUNCT] =
    g_param_spec_boolean ("defunct", "Defunct", "Whether the isle was abandoned",
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * GIsle:executor:
   *
   * The executor whose threads run this isle's jobs, or %NULL for a
   * thread of its own. The isle keeps the executor alive.
   */
  properties[PROP_EXECUTOR] =
    g_param_spec_object ("executor", "Executor", "The executor that runs the isle",
                         G_TYPE_ISLE_EXECUTOR,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsle:name:
   *
   * A name for the isle, by which g_isle_executor_lookup() finds it.
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", "Name", "A name to find the isle by",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsle:memory-in-use: (getter get_memory_in_use)
   *
   * Bytes the Lua state uses now; see g_isle_get_memory_in_use(). It
   * changes on the isle's thread with every allocation, so it is never
   * notified: read it when you need it.
   */
  properties[PROP_MEMORY_IN_USE] =
    g_param_spec_uint64 ("memory-in-use", "Memory in use", "Bytes the Lua state uses now",
                         0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GIsle::output:
   * @self: the isle
   * @job_id: the job that wrote the text (0 outside any job)
   * @stream: where it was written
   * @text: the text; invalid UTF-8 is replaced by U+FFFD
   *
   * Emitted in #GIsle:main-context with what a script wrote with `print`,
   * `io.write`, `io.stdout:write`, `io.stderr:write` or `warn`. Consecutive
   * writes may arrive together. All output of a job arrives before its
   * asynchronous call completes in that same context.
   */
  signals[SIGNAL_OUTPUT] =
    g_signal_new ("output", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3,
                  G_TYPE_UINT64, G_TYPE_ISLE_STREAM,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * GIsle::event:
   * @self: the isle
   * @name: the event name (also the signal detail)
   * @value: the value the script passed, or a Nothing maybe for none
   *
   * Emitted in #GIsle:main-context when a script calls
   * `isle.emit(name, value)`. Connect to `event::NAME` to receive one name.
   */
  signals[SIGNAL_EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE, G_TYPE_VARIANT);

  /**
   * GIsle::progress:
   * @self: the isle
   * @job_id: the job reporting progress
   * @fraction: between 0 and 1
   * @text: (nullable): what the script said it is doing
   *
   * Emitted in #GIsle:main-context when a script calls
   * `isle.progress(fraction, text)`.
   */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3,
                  G_TYPE_UINT64, G_TYPE_DOUBLE,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
}

/* ---- Starting ------------------------------------------------------- */

static void
g_isle_nudge_waiting_job (gpointer     job,
                          GisleWorker *worker)
{
  gisle_job_nudge_waiter (job, worker);
}

/* Waits for @job in a blocking call. On the home thread, while no other
 * thread runs the isle's main context, the caller acquires that context
 * and serves it meanwhile (host calls, output, events), for this isle and
 * for every other isle that delivers there: the main loop it blocks
 * cannot, and their jobs may hold the executor threads this job waits
 * for. Blocking calls may nest (an output handler that makes one); the
 * outer wait serves again afterwards. */
static GVariant *
g_isle_wait_serving (GisleWorker *worker,
                     GisleJob    *job,
                     gboolean     take_outcome,
                     GError     **error)
{
  GisleBlockedCall blocked;
  GVariant *result = NULL;
  gboolean serve;

  serve = g_thread_self () == worker->home_thread &&
          g_main_context_acquire (worker->owner_context);
  if (serve)
    gisle_dispatch_block_begin (&blocked, worker->owner_context, worker,
                                g_isle_nudge_waiting_job, job);

  if (take_outcome)
    result = gisle_job_wait (job, serve, error);
  else
    gisle_job_wait_done (job, serve);

  if (serve)
    {
      gisle_dispatch_block_end (&blocked);
      g_main_context_release (worker->owner_context);
    }
  return result;
}

static gboolean
g_isle_initable_init (GInitable     *initable,
                      GCancellable  *cancellable,
                      GError       **error)
{
  GIsle *self = G_ISLE (initable);
  GisleWorker *worker = self->worker;
  g_autoptr(GisleJob) setup = NULL;

  if (gisle_worker_waiting_could_deadlock (worker))
    {
      g_set_error_literal (error, G_ISLE_ERROR, G_ISLE_ERROR_WOULD_DEADLOCK,
                           "A job cannot wait for an isle it could be blocking "
                           "(its own, or one on the same executor); "
                           "use g_async_initable_new_async()");
      return FALSE;
    }

  /* Starts the isle if nobody has; whoever did, wait for the one setup. */
  if (!gisle_worker_ensure_started (worker, &setup, error))
    return FALSE;
  if (setup == NULL)
    return TRUE;

  g_isle_wait_serving (worker, setup, FALSE, NULL);
  return gisle_worker_ensure_started (worker, NULL, error);
}

static void
g_isle_initable_iface_init (GInitableIface *iface)
{
  iface->init = g_isle_initable_init;
}

static void
g_isle_async_initable_init_async (GAsyncInitable      *initable,
                                  int                  io_priority,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GIsle *self = G_ISLE (initable);
  g_autoptr(GisleJob) waiter = NULL;
  GError *error = NULL;

  /* Never blocks, however many times it is called and from wherever: each
   * call waits for the one setup as a job of its own, completed in the
   * caller's context when the setup ends. */
  waiter = gisle_job_new (self->worker, GISLE_JOB_CONTROL);
  waiter->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (waiter->task, g_isle_async_initable_init_async);
  g_task_set_check_cancellable (waiter->task, FALSE);
  waiter->task_created_at = g_get_monotonic_time ();

  if (!gisle_worker_ensure_started (self->worker, NULL, &error))
    {
      gisle_job_complete (waiter, NULL, error);
      return;
    }
  gisle_worker_wait_setup_async (self->worker, waiter);
}

static gboolean
g_isle_async_initable_init_finish (GAsyncInitable  *initable,
                                   GAsyncResult    *result,
                                   GError         **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
g_isle_async_initable_iface_init (GAsyncInitableIface *iface)
{
  iface->init_async = g_isle_async_initable_init_async;
  iface->init_finish = g_isle_async_initable_init_finish;
}

/**
 * g_isle_new:
 * @cancellable: (nullable): optional #GCancellable
 * @error: return location for a #GError
 *
 * Creates an isle with the default properties and waits until its Lua
 * state is ready. Use g_initable_new() to set properties, or
 * g_isle_new_async() to avoid waiting.
 *
 * Returns: (transfer full): a new #GIsle, or %NULL on error
 */
GIsle *
g_isle_new (GCancellable  *cancellable,
            GError       **error)
{
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_initable_new (G_TYPE_ISLE, cancellable, error, NULL);
}

/**
 * g_isle_new_async:
 * @cancellable: (nullable): optional #GCancellable
 * @callback: (scope async): called when the isle is ready
 * @user_data: (closure): data for @callback
 *
 * Creates an isle with the default properties without waiting. Finish with
 * g_isle_new_finish().
 */
void
g_isle_new_async (GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  g_async_initable_new_async (G_TYPE_ISLE, G_PRIORITY_DEFAULT, cancellable,
                              callback, user_data, NULL);
}

/**
 * g_isle_new_finish:
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes g_isle_new_async().
 *
 * Returns: (transfer full): a new #GIsle, or %NULL on error
 */
GIsle *
g_isle_new_finish (GAsyncResult  *result,
                   GError       **error)
{
  g_autoptr(GObject) source = NULL;
  GObject *object;

  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  source = g_async_result_get_source_object (result);
  object = g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, error);
  return object != NULL ? G_ISLE (object) : NULL;
}

/**
 * g_isle_new_with_setup: (skip)
 * @setup: a function run on the worker thread before the isle is ready
 * @user_data: data for @setup
 * @notify: (nullable): frees @user_data
 * @cancellable: (nullable): optional #GCancellable
 * @error: return location for a #GError
 *
 * Creates an isle whose @setup function registers C functions with the Lua
 * C API before any job runs. If @setup fails, so does construction.
 *
 * Returns: (transfer full): a new #GIsle, or %NULL on error
 */
GIsle *
g_isle_new_with_setup (GIsleSetupFunc   setup,
                       gpointer         user_data,
                       GDestroyNotify   notify,
                       GCancellable    *cancellable,
                       GError         **error)
{
  g_autoptr(GIsle) self = NULL;

  g_return_val_if_fail (setup != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (G_TYPE_ISLE, NULL);
  g_isle_set_setup_func (self, setup, user_data, notify);
  if (!g_initable_init (G_INITABLE (self), cancellable, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * g_isle_set_setup_func: (skip)
 * @self: a #GIsle not yet initialized
 * @setup: a function run on the worker thread before the isle is ready
 * @user_data: data for @setup
 * @notify: (nullable): frees @user_data
 *
 * Sets the function that prepares the Lua state, for isles made with
 * g_object_new() and then initialized with g_initable_init() or
 * g_async_initable_init_async().
 */
void
g_isle_set_setup_func (GIsle          *self,
                       GIsleSetupFunc  setup,
                       gpointer        user_data,
                       GDestroyNotify  notify)
{
  GisleWorker *worker;

  g_return_if_fail (G_IS_ISLE (self));

  worker = self->worker;
  gisle_mutex_lock (&worker->lock);
  if (worker->setup_state != GISLE_SETUP_NONE)
    {
      gisle_mutex_unlock (&worker->lock);
      g_critical ("g_isle_set_setup_func: the isle has already started");
      return;
    }
  if (worker->setup_notify != NULL)
    worker->setup_notify (worker->setup_data);
  worker->setup_func = setup;
  worker->setup_data = user_data;
  worker->setup_notify = notify;
  gisle_mutex_unlock (&worker->lock);
}

/* ---- Submitting jobs ------------------------------------------------ */

/* Starts the isle on first use without waiting for the setup (jobs queue
 * behind it). A job on an isle whose setup failed is refused as on a closed
 * isle, with the setup's reason. */
static gboolean
g_isle_start_for_job (GIsle   *self,
                      GError **error)
{
  g_autoptr(GError) setup_error = NULL;

  if (gisle_worker_ensure_started (self->worker, NULL, &setup_error))
    return TRUE;
  if (g_error_matches (setup_error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED))
    g_propagate_error (error, g_steal_pointer (&setup_error));
  else
    g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED,
                 _("The isle could not be set up: %s"), setup_error->message);
  return FALSE;
}

static void
g_isle_on_cancelled (GCancellable *cancellable,
                     gpointer      data)
{
  GISLE_TSAN_ACQUIRE (data);
  gisle_cancel_request (data, G_IO_ERROR_CANCELLED);
  /* g_cancellable_disconnect() waits for this handler to return before
   * the job can be freed (see gisle_job_disconnect()). */
  GISLE_TSAN_RELEASE (data);
}

/* Returns FALSE (and completes nothing) if @cancellable is already
 * cancelled. */
static gboolean
g_isle_attach_cancellable (GisleJob     *job,
                           GCancellable *cancellable)
{
  if (cancellable == NULL)
    return TRUE;
  if (g_cancellable_is_cancelled (cancellable))
    return FALSE;

  job->cancellable = g_object_ref (cancellable);
  GISLE_TSAN_RELEASE (job);
  job->cancel_handler = gisle_cancellable_connect (cancellable, G_CALLBACK (g_isle_on_cancelled),
                                               gisle_job_ref (job),
                                               (GDestroyNotify) gisle_job_unref);
  return TRUE;
}

static void
g_isle_submit_async (GIsle               *self,
                     GisleJob            *job,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data,
                     gpointer             source_tag)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, source_tag);
  /* The job's own outcome is the answer: a job that finished before the
   * cancel took effect keeps its result, and one that could not be stopped
   * reports G_ISLE_ERROR_DEFUNCT rather than a plain cancellation. */
  g_task_set_check_cancellable (task, FALSE);

  /* Isles made with g_object_new() (as GJS does) start on first use; the
   * job queues behind the setup, and nothing here waits for it. */
  if (!g_isle_start_for_job (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!g_isle_attach_cancellable (job, cancellable))
    {
      g_task_return_error (task, gisle_job_cancelled_error (G_IO_ERROR_CANCELLED));
      return;
    }

  job->task = g_steal_pointer (&task);
  job->task_created_at = g_get_monotonic_time ();
  gisle_worker_submit (self->worker, job, FALSE);
}

static GVariant *
g_isle_run_sync (GIsle         *self,
                 GisleJob      *job,
                 GCancellable  *cancellable,
                 GError       **error)
{
  GisleWorker *worker = self->worker;
  GError *local_error = NULL;
  GVariant *result;

  if (gisle_worker_waiting_could_deadlock (worker))
    {
      g_set_error_literal (error, G_ISLE_ERROR, G_ISLE_ERROR_WOULD_DEADLOCK,
                           gisle_worker_is_self (worker)
                           ? "A blocking call was made on the isle's own thread; "
                             "use the asynchronous variant"
                           : "A job on an executor cannot wait for another isle of the "
                             "same executor (its threads could all end up waiting); "
                             "use the asynchronous variant");
      return NULL;
    }
  /* A host function of this isle waiting for it would wait for the job
   * that waits for the function itself. */
  if (gisle_host_is_running (worker))
    {
      g_set_error_literal (error, G_ISLE_ERROR, G_ISLE_ERROR_WOULD_DEADLOCK,
                           "A host function cannot wait for its own isle; "
                           "use the asynchronous variant");
      return NULL;
    }
  /* A lazy start queues the setup first; this job waits behind it. */
  if (!g_isle_start_for_job (self, error))
    return NULL;
  if (!g_isle_attach_cancellable (job, cancellable))
    {
      g_propagate_error (error, gisle_job_cancelled_error (G_IO_ERROR_CANCELLED));
      return NULL;
    }

  job->sync = TRUE;
  gisle_worker_submit (worker, job, TRUE);
  result = g_isle_wait_serving (worker, job, TRUE, &local_error);
  gisle_error_info_remember (local_error);
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return result;
}

/* The finish function that goes with an _async function, and the reverse. */
static const struct {
  gpointer    tag;
  const char *async_name;
  const char *finish_name;
} g_isle_async_names[] = {
  { g_isle_eval_async,      "g_isle_eval_async()",      "g_isle_eval_finish()" },
  { g_isle_eval_full_async, "g_isle_eval_full_async()", "g_isle_eval_full_finish()" },
  { g_isle_call_async,      "g_isle_call_async()",      "g_isle_call_finish()" },
  { g_isle_call_full_async, "g_isle_call_full_async()", "g_isle_call_full_finish()" },
  { g_isle_exec_async,      "g_isle_exec_async()",      "g_isle_exec_finish()" },
};

static const char *
g_isle_async_name (gpointer source_tag,
                   gboolean finish)
{
  for (gsize i = 0; i < G_N_ELEMENTS (g_isle_async_names); i++)
    if (g_isle_async_names[i].tag == source_tag)
      return finish ? g_isle_async_names[i].finish_name : g_isle_async_names[i].async_name;
  return "another function";
}

static GVariant *
g_isle_finish_variant (GIsle         *self,
                       GAsyncResult  *result,
                       gpointer       source_tag,
                       GError       **error)
{
  GError *local_error = NULL;
  GVariant *value;

  g_return_val_if_fail (G_IS_ISLE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Finishing eval_full_async() with eval_finish() (or the reverse) is an
   * easy slip from a binding, where a CRITICAL and a silent NULL help no
   * one: say which finish function the call needs. */
  if (g_task_get_source_tag (G_TASK (result)) != source_tag)
    {
      gpointer started_by = g_task_get_source_tag (G_TASK (result));

      g_set_error (error, G_ISLE_ERROR, G_ISLE_ERROR_FAILED,
                   "%s cannot finish a call started with %s: use %s",
                   g_isle_async_name (source_tag, TRUE),
                   g_isle_async_name (started_by, FALSE),
                   g_isle_async_name (started_by, TRUE));
      return NULL;
    }

  value = g_task_propagate_pointer (G_TASK (result), &local_error);
  /* For g_isle_error_info_get_last(): bindings lose the info in the GError. */
  gisle_error_info_remember (local_error);
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return value;
}

static GisleJob *
g_isle_eval_job (GIsle      *self,
                 const char *code,
                 const char *chunk_name,
                 guint       timeout_ms)
{
  GisleJob *job = gisle_job_new (self->worker, GISLE_JOB_EVAL);

  job->code = g_strdup (code);
  job->chunk_name = g_strdup (chunk_name);
  job->timeout_ms = timeout_ms;
  return job;
}

static GisleJob *
g_isle_call_job (GIsle      *self,
                 const char *function,
                 GVariant   *args,
                 guint       timeout_ms)
{
  GisleJob *job = gisle_job_new (self->worker, GISLE_JOB_CALL);

  job->function = g_strdup (function);
  job->args = args != NULL ? g_variant_ref_sink (args) : NULL;
  job->timeout_ms = timeout_ms;
  return job;
}

/**
 * g_isle_eval:
 * @self: a #GIsle
 * @code: Lua source text (never bytecode)
 * @cancellable: (nullable): optional #GCancellable
 * @error: return location for a #GError
 *
 * Runs @code and waits for its results. Blocks the calling thread: meant
 * for worker threads. Syntax errors are %G_ISLE_ERROR_SYNTAX (or
 * %G_ISLE_ERROR_INCOMPLETE when more input could complete the chunk),
 * runtime errors %G_ISLE_ERROR_RUNTIME with a traceback.
 *
 * Returns: (transfer full): a tuple of every value the chunk returned, or
 *   %NULL on error
 */
GVariant *
g_isle_eval (GIsle         *self,
             const char    *code,
             GCancellable  *cancellable,
             GError       **error)
{
  return g_isle_eval_full (self, code, NULL, 0, cancellable, error);
}

/**
 * g_isle_eval_full:
 * @self: a #GIsle
 * @code: Lua source text (never bytecode)
 * @chunk_name: (nullable): the name used in error messages and tracebacks,
 *   in Lua's convention (`=name` is used as is, `@file` names a file); the
 *   default is `=eval`
 * @timeout_ms: the time limit in milliseconds, or 0 for
 *   #GIsle:default-timeout
 * @cancellable: (nullable): optional #GCancellable
 * @error: return location for a #GError
 *
 * Like g_isle_eval(), with a chunk name and a time limit. A job over its
 * limit fails with %G_IO_ERROR_TIMED_OUT.
 *
 * Returns: (transfer full): a tuple of every value the chunk returned, or
 *   %NULL on error
 */
GVariant *
g_isle_eval_full (GIsle         *self,
                  const char    *code,
                  const char    *chunk_name,
                  guint          timeout_ms,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GisleJob) job = NULL;

  g_return_val_if_fail (G_IS_ISLE (self), NULL);
  g_return_val_if_fail (code != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  job = g_isle_eval_job (self, code, chunk_name, timeout_ms);
  return g_isle_run_sync (self, job, cancellable, error);
}

/**
 * g_isle_eval_async:
 * @self: a #GIsle
 * @code: Lua source text (never bytecode)
 * @cancellable: (nullable): optional #GCancellable; cancelling it stops the
 *   chunk, even inside `pcall` or a coroutine
 * @callback: (scope async): called in the thread-default main context of
 *   the caller when the chunk is done
 * @user_data: (closure): data for @callback
 *
 * Runs @code on the isle's thread. Finish with g_isle_eval_finish().
 */
void
g_isle_eval_async (GIsle               *self,
                   const char          *code,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GisleJob) job = NULL;

  g_return_if_fail (G_IS_ISLE (self));
  g_return_if_fail (code != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = g_isle_eval_job (self, code, NULL, 0);
  g_isle_submit_async (self, job, cancellable, callback, user_data, g_isle_eval_async);
}

/**
 * g_isle_eval_finish:
 * @self: a #GIsle
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes g_isle_eval_async().
 *
 * Returns: (transfer full): a tuple of every value the chunk returned, or
 *   %NULL on error
 */
GVariant *
g_isle_eval_finish (GIsle         *self,
                    GAsyncResult  *result,
                    GError       **error)
{
  return g_isle_finish_variant (self, result, g_isle_eval_async, error);
}

/**
 * g_isle_eval_full_async:
 * @self: a #GIsle
 * @code: Lua source text (never bytecode)
 * @chunk_name: (nullable): the name used in error messages, as for
 *   g_isle_eval_full()
 * @timeout_ms: the time limit in milliseconds, or 0 for
 *   #GIsle:default-timeout
 * @cancellable: (nullable): optional #GCancellable
 * @callback: (scope async): called in the thread-default main context of
 *   the caller when the chunk is done
 * @user_data: (closure): data for @callback
 *
 * Like g_isle_eval_async(), with a chunk name and a time limit. The
 * returned job id is the one #GIsle::output and #GIsle::progress carry, so
 * a console can tell whose output it is. Finish with
 * g_isle_eval_full_finish().
 *
 * Returns: the job's id
 */
guint64
g_isle_eval_full_async (GIsle               *self,
                        const char          *code,
                        const char          *chunk_name,
                        guint                timeout_ms,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GisleJob) job = NULL;

  g_return_val_if_fail (G_IS_ISLE (self), 0);
  g_return_val_if_fail (code != NULL, 0);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), 0);

  job = g_isle_eval_job (self, code, chunk_name, timeout_ms);
  g_isle_submit_async (self, job, cancellable, callback, user_data, g_isle_eval_full_async);
  return job->id;
}

/**
 * g_isle_eval_full_finish:
 * @self: a #GIsle
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes g_isle_eval_full_async().
 *
 * Returns: (transfer full): a tuple of every value the chunk returned, or
 *   %NULL on error
 */
GVariant *
g_isle_eval_full_finish (GIsle         *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  return g_isle_finish_variant (self, result, g_isle_eval_full_async, error);
}

/**
 * g_isle_call:
 * @self: a #GIsle
 * @function: the global function to call; dotted paths such as
 *   `string.format` reach into tables
 * @args: (nullable): the arguments, as a tuple (a floating reference is
 *   consumed); %NULL for none
 * @cancellable: (nullable): optional #GCancellable
 * @error: return location for a #GError
 *
 * Calls a Lua function and waits for its results. A missing function is
 * %G_ISLE_ERROR_NOT_FOUND. Blocks the calling thread.
 *
 * Returns: (transfer full): a tuple of every value the function returned,
 *   or %NULL on error
 */
GVariant *
g_isle_call (GIsle         *self,
             const char    *function,
             GVariant      *args,
             GCancellable  *cancellable,
             GError       **error)
{
  return g_isle_call_full (self, function, args, 0, cancellable, error);
}

/**
 * g_isle_call_full:
 * @self: a #GIsle
 * @function: the global function to call, as for g_isle_call()
 * @args: (nullable): the arguments, as a tuple; %NULL for none
 * @timeout_ms: the time limit in milliseconds, or 0 for
 *   #GIsle:default-timeout
 * @cancellable: (nullable): optional #GCancellable
 * @error: return location for a #GError
 *
 * Like g_isle_call(), with a time limit.
 *
 * Returns: (transfer full): a tuple of every value the function returned,
 *   or %NULL on error
 */
GVariant *
g_isle_call_full (GIsle         *self,
                  const char    *function,
                  GVariant      *args,
                  guint          timeout_ms,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GisleJob) job = NULL;

  g_return_val_if_fail (G_IS_ISLE (self), NULL);
  g_return_val_if_fail (function != NULL, NULL);
  g_return_val_if_fail (args == NULL || g_variant_is_of_type (args, G_VARIANT_TYPE_TUPLE), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  job = g_isle_call_job (self, function, args, timeout_ms);
  return g_isle_run_sync (self, job, cancellable, error);
}

/**
 * g_isle_call_async:
 * @self: a #GIsle
 * @function: the global function to call, as for g_isle_call()
 * @args: (nullable): the arguments, as a tuple; %NULL for none
 * @cancellable: (nullable): optional #GCancellable
 * @callback: (scope async): called in the thread-default main context of
 *   the caller when the call is done
 * @user_data: (closure): data for @callback
 *
 * Calls a Lua function on the isle's thread. Finish with
 * g_isle_call_finish().
 */
void
g_isle_call_async (GIsle               *self,
                   const char          *function,
                   GVariant            *args,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GisleJob) job = NULL;

  g_return_if_fail (G_IS_ISLE (self));
  g_return_if_fail (function != NULL);
  g_return_if_fail (args == NULL || g_variant_is_of_type (args, G_VARIANT_TYPE_TUPLE));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = g_isle_call_job (self, function, args, 0);
  g_isle_submit_async (self, job, cancellable, callback, user_data, g_isle_call_async);
}

/**
 * g_isle_call_finish:
 * @self: a #GIsle
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes g_isle_call_async().
 *
 * Returns: (transfer full): a tuple of every value the function returned,
 *   or %NULL on error
 */
GVariant *
g_isle_call_finish (GIsle         *self,
                    GAsyncResult  *result,
                    GError       **error)
{
  return g_isle_finish_variant (self, result, g_isle_call_async, error);
}

/**
 * g_isle_call_full_async:
 * @self: a #GIsle
 * @function: the global function to call, as for g_isle_call()
 * @args: (nullable): the arguments, as a tuple; %NULL for none
 * @timeout_ms: the time limit in milliseconds, or 0 for
 *   #GIsle:default-timeout
 * @cancellable: (nullable): optional #GCancellable
 * @callback: (scope async): called in the thread-default main context of
 *   the caller when the call is done
 * @user_data: (closure): data for @callback
 *
 * Like g_isle_call_async(), with a time limit. Finish with
 * g_isle_call_full_finish().
 *
 * Returns: the job's id
 */
guint64
g_isle_call_full_async (GIsle               *self,
                        const char          *function,
                        GVariant            *args,
                        guint                timeout_ms,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GisleJob) job = NULL;

  g_return_val_if_fail (G_IS_ISLE (self), 0);
  g_return_val_if_fail (function != NULL, 0);
  g_return_val_if_fail (args == NULL || g_variant_is_of_type (args, G_VARIANT_TYPE_TUPLE), 0);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), 0);

  job = g_isle_call_job (self, function, args, timeout_ms);
  g_isle_submit_async (self, job, cancellable, callback, user_data, g_isle_call_full_async);
  return job->id;
}

/**
 * g_isle_call_full_finish:
 * @self: a #GIsle
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes g_isle_call_full_async().
 *
 * Returns: (transfer full): a tuple of every value the function returned,
 *   or %NULL on error
 */
GVariant *
g_isle_call_full_finish (GIsle         *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  return g_isle_finish_variant (self, result, g_isle_call_full_async, error);
}

/**
 * g_isle_exec: (skip)
 * @self: a #GIsle
 * @func: the callback, run on the isle's thread with the `lua_State`
 * @user_data: data for @func
 * @cancellable: (nullable): optional #GCancellable
 * @error: return location for a #GError
 *
 * Runs @func as a job and waits for it. Lua errors it raises become
 * %G_ISLE_ERROR_RUNTIME.
 *
 * Returns: (transfer full) (nullable): what @func returned
 */
GVariant *
g_isle_exec (GIsle          *self,
             GIsleExecFunc   func,
             gpointer        user_data,
             GCancellable   *cancellable,
             GError        **error)
{
  g_autoptr(GisleJob) job = NULL;

  g_return_val_if_fail (G_IS_ISLE (self), NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  job = gisle_job_new (self->worker, GISLE_JOB_EXEC);
  job->exec_func = func;
  job->func_data = user_data;
  return g_isle_run_sync (self, job, cancellable, error);
}

/**
 * g_isle_exec_async: (skip)
 * @self: a #GIsle
 * @func: the callback, run on the isle's thread with the `lua_State`
 * @user_data: data for @func
 * @notify: (nullable): frees @user_data once the job is done
 * @cancellable: (nullable): optional #GCancellable
 * @callback: called in the caller's thread-default main context
 * @callback_data: data for @callback
 *
 * Runs @func as a job. Finish with g_isle_exec_finish().
 */
void
g_isle_exec_async (GIsle               *self,
                   GIsleExecFunc        func,
                   gpointer             user_data,
                   GDestroyNotify       notify,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             callback_data)
{
  g_autoptr(GisleJob) job = NULL;

  g_return_if_fail (G_IS_ISLE (self));
  g_return_if_fail (func != NULL);

  job = gisle_job_new (self->worker, GISLE_JOB_EXEC);
  job->exec_func = func;
  job->func_data = user_data;
  job->func_notify = notify;
  g_isle_submit_async (self, job, cancellable, callback, callback_data, g_isle_exec_async);
}

/**
 * g_isle_exec_finish: (skip)
 * @self: a #GIsle
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes g_isle_exec_async().
 *
 * Returns: (transfer full) (nullable): what the callback returned
 */
GVariant *
g_isle_exec_finish (GIsle         *self,
                    GAsyncResult  *result,
                    GError       **error)
{
  return g_isle_finish_variant (self, result, g_isle_exec_async, error);
}

/* ---- Stopping ------------------------------------------------------- */

/**
 * g_isle_cancel_all:
 * @self: a #GIsle
 *
 * Cancels the running job and every queued one, as if each job's
 * #GCancellable had been cancelled: a Stop button for callers that do not
 * keep cancellables. Jobs submitted afterwards run normally.
 */
void
g_isle_cancel_all (GIsle *self)
{
  g_return_if_fail (G_IS_ISLE (self));

  gisle_worker_cancel_all (self->worker);
}

static void
g_isle_on_close_cancelled (GCancellable *cancellable,
                           gpointer      data)
{
  gisle_job_complete (data, NULL,
                      g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                           _("Stopped waiting for the isle to close")));
}

/**
 * g_isle_close:
 * @self: a #GIsle
 * @cancellable: (nullable): stops the wait (closing goes on regardless)
 * @error: return location for a #GError
 *
 * Cancels the running job, fails the queued ones with
 * %G_ISLE_ERROR_CLOSED, closes the Lua state and waits for the thread to
 * end (at most #GIsle:hard-deadline after the cancel). Later calls fail
 * with %G_ISLE_ERROR_CLOSED. Closing twice is harmless.
 *
 * Returns: %TRUE once the isle is closed
 */
gboolean
g_isle_close (GIsle         *self,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(GisleJob) job = NULL;
  g_autoptr(GVariant) ignored = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (G_IS_ISLE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (gisle_worker_is_self (self->worker))
    {
      g_set_error_literal (error, G_ISLE_ERROR, G_ISLE_ERROR_WOULD_DEADLOCK,
                           "An isle cannot close itself from its own thread; "
                           "use g_isle_close_async()");
      return FALSE;
    }

  job = gisle_job_new (self->worker, GISLE_JOB_CONTROL);
  job->sync = TRUE;
  if (cancellable != NULL)
    {
      job->cancellable = g_object_ref (cancellable);
      job->cancel_handler = gisle_cancellable_connect (cancellable, G_CALLBACK (g_isle_on_close_cancelled),
                                                   gisle_job_ref (job),
                                                   (GDestroyNotify) gisle_job_unref);
    }
  gisle_worker_close (self->worker, job);
  /* Finalizers that print or call host functions while the state closes
   * are served like any blocking call's. */
  ignored = g_isle_wait_serving (self->worker, job, TRUE, &local_error);
  gisle_dispatch_notify (self->worker, "closed");
  gisle_isle_run_close_hooks (self->worker, FALSE);

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/**
 * g_isle_close_async:
 * @self: a #GIsle
 * @cancellable: (nullable): optional #GCancellable
 * @callback: (scope async): called in the caller's thread-default main
 *   context once the isle is closed
 * @user_data: (closure): data for @callback
 *
 * Closes the isle without waiting; see g_isle_close(). Finish with
 * g_isle_close_finish().
 */
void
g_isle_close_async (GIsle               *self,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GisleJob) job = NULL;

  g_return_if_fail (G_IS_ISLE (self));

  job = gisle_job_new (self->worker, GISLE_JOB_CONTROL);
  job->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, g_isle_close_async);
  g_task_set_check_cancellable (job->task, FALSE);
  gisle_worker_close (self->worker, job);
  gisle_dispatch_notify (self->worker, "closed");
}

/**
 * g_isle_close_finish:
 * @self: a #GIsle
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes g_isle_close_async().
 *
 * Returns: %TRUE once the isle is closed
 */
gboolean
g_isle_close_finish (GIsle         *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (G_IS_ISLE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Host functions ------------------------------------------------- */

/**
 * g_isle_add_function:
 * @self: a #GIsle
 * @name: the global name scripts call it by; dots make nested tables
 *   (`ui.set_title`)
 * @func: (scope notified) (closure user_data) (destroy notify): the function
 * @user_data: data for @func
 * @notify: (nullable): frees @user_data when the function is removed or
 *   replaced, or the isle is disposed
 *
 * Adds a host function that runs in #GIsle:main-context while the script
 * waits for it: the safe place to touch widgets. Its arguments and results
 * are #GVariant values; an error it returns is raised in Lua with its
 * message. While the script waits, cancelling it cancels the function's
 * #GCancellable and the script stops without waiting for the answer.
 *
 * Adding a name again replaces the function; jobs submitted after this call
 * see it.
 */
void
g_isle_add_function (GIsle          *self,
                     const char     *name,
                     GIsleHostFunc   func,
                     gpointer        user_data,
                     GDestroyNotify  notify)
{
  g_return_if_fail (G_IS_ISLE (self));
  g_return_if_fail (gisle_host_name_is_valid (name));
  g_return_if_fail (func != NULL);

  gisle_host_add (self->worker, name, GISLE_HOST_MAIN, func, user_data, notify);
  gisle_worker_submit_control (self->worker, gisle_host_control_install, g_strdup (name));
}

/**
 * g_isle_add_async_function:
 * @self: a #GIsle
 * @name: the global name scripts call it by, as for g_isle_add_function()
 * @func: (scope notified) (closure user_data) (destroy notify): the function
 * @user_data: data for @func
 * @notify: (nullable): frees @user_data when the function is removed or
 *   replaced, or the isle is disposed
 *
 * Adds a host function that answers later: it starts in
 * #GIsle:main-context and completes its #GIsleInvocation when its
 * asynchronous work is done, while the script waits.
 */
void
g_isle_add_async_function (GIsle               *self,
                           const char          *name,
                           GIsleAsyncHostFunc   func,
                           gpointer             user_data,
                           GDestroyNotify       notify)
{
  g_return_if_fail (G_IS_ISLE (self));
  g_return_if_fail (gisle_host_name_is_valid (name));
  g_return_if_fail (func != NULL);

  gisle_host_add (self->worker, name, GISLE_HOST_ASYNC, func, user_data, notify);
  gisle_worker_submit_control (self->worker, gisle_host_control_install, g_strdup (name));
}

/**
 * g_isle_add_worker_function: (skip)
 * @self: a #GIsle
 * @name: the global name scripts call it by
 * @func: the function, run on the isle's thread
 * @user_data: data for @func
 * @notify: (nullable): frees @user_data
 *
 * Adds a host function that runs on the isle's own thread, with no main
 * loop round trip: for fast, pure computations in C.
 */
void
g_isle_add_worker_function (GIsle           *self,
                            const char      *name,
                            GIsleWorkerFunc  func,
                            gpointer         user_data,
                            GDestroyNotify   notify)
{
  g_return_if_fail (G_IS_ISLE (self));
  g_return_if_fail (gisle_host_name_is_valid (name));
  g_return_if_fail (func != NULL);

  gisle_host_add (self->worker, name, GISLE_HOST_WORKER, func, user_data, notify);
  gisle_worker_submit_control (self->worker, gisle_host_control_install, g_strdup (name));
}

/**
 * g_isle_remove_function:
 * @self: a #GIsle
 * @name: a name given to g_isle_add_function() or
 *   g_isle_add_async_function()
 *
 * Removes a host function. Jobs submitted afterwards no longer see it; a
 * script that kept a reference gets an error saying it was removed.
 *
 * Returns: %TRUE if there was such a function
 */
gboolean
g_isle_remove_function (GIsle      *self,
                        const char *name)
{
  g_return_val_if_fail (G_IS_ISLE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!gisle_host_remove (self->worker, name))
    return FALSE;
  gisle_worker_submit_control (self->worker, gisle_host_control_uninstall, g_strdup (name));
  return TRUE;
}

/* ---- Properties ----------------------------------------------------- */

/**
 * g_isle_get_thread_name:
 * @self: a #GIsle
 *
 * Gets #GIsle:thread-name.
 *
 * Returns: (transfer none): the thread name
 */
const char *
g_isle_get_thread_name (GIsle *self)
{
  g_return_val_if_fail (G_IS_ISLE (self), NULL);
  return self->worker->thread_name;
}

/**
 * g_isle_get_executor:
 * @self: a #GIsle
 *
 * Gets #GIsle:executor.
 *
 * Returns: (transfer none) (nullable): the executor, or %NULL
 */
GIsleExecutor *
g_isle_get_executor (GIsle *self)
{
  g_return_val_if_fail (G_IS_ISLE (self), NULL);
  return self->executor;
}

/**
 * g_isle_get_name:
 * @self: a #GIsle
 *
 * Gets #GIsle:name.
 *
 * Returns: (transfer none) (nullable): the name, or %NULL
 */
const char *
g_isle_get_name (GIsle *self)
{
  g_return_val_if_fail (G_IS_ISLE (self), NULL);
  return self->worker->name;
}

/**
 * g_isle_get_queue_capacity:
 * @self: a #GIsle
 *
 * Gets #GIsle:queue-capacity.
 *
 * Returns: the queue capacity
 */
guint
g_isle_get_queue_capacity (GIsle *self)
{
  g_return_val_if_fail (G_IS_ISLE (self), 0);
  return self->worker->queue_capacity;
}

/**
 * g_isle_get_memory_limit:
 * @self: a #GIsle
 *
 * Gets #GIsle:memory-limit.
 *
 * Returns: the limit in bytes, 0 for none
 */
guint64
g_isle_get_memory_limit (GIsle *self)
{
  g_return_val_if_fail (G_IS_ISLE (self), 0);
  return self->worker->memory_limit;
}

/**
 * g_isle_get_memory_in_use:
 * @self: a #GIsle
 *
 * Gets how much memory the Lua state uses now. Safe from any thread.
 *
 * Returns: bytes in use
 */
guint64
g_isle_get_memory_in_use (GIsle *self)
{
  g_return_val_if_fail (G_IS_ISLE (self), 0);
  return __atomic_load_n (&self->worker->memory_in_use, __ATOMIC_RELAXED);
}

/**
 * g_isle_get_libraries:
 * @self: a #GIsle
 *
 * Gets #GIsle:libraries.
 *
 * Returns: the libraries the isle opens
 */
GIsleLibraries
g_isle_get_libraries (GIsle *self)
{
  g_return_val_if_fail (G_IS_ISLE (self), G_ISLE_LIBRARIES_NONE);
  return self->worker->libraries;
}

/**
 * g_isle_get_setup_code:
 * @self: a #GIsle
 *
 * Gets #GIsle:setup-code.
 *
 * Returns: (transfer none) (nullable): the setup chunk
 */
const char *
g_isle_get_setup_code (GIsle *self)
{
  g_return_val_if_fail (G_IS_ISLE (self), NULL);
  return self->worker->setup_code;
}

/**
 * g_isle_get_main_context:
 * @self: a #GIsle
 *
 * Gets #GIsle:main-context.
 *
 * Returns: (transfer none): the context signals are emitted in
 */
GMainContext *
g_isle_get_main_context (GIsle *self)
{
  g_return_val_if_fail (G_IS_ISLE (self), NULL);
  return self->worker->owner_context;
}

/**
 * g_isle_get_default_timeout:
 * @self: a #GIsle
 *
 * Gets #GIsle:default-timeout.
 *
 * Returns: milliseconds, 0 for none
 */
guint
g_isle_get_default_timeout (GIsle *self)
{
  g_return_val_if_fail (G_IS_ISLE (self), 0);
  return g_atomic_int_get (&self->worker->default_timeout_ms);
}

/**
 * g_isle_set_default_timeout:
 * @self: a #GIsle
 * @timeout_ms: milliseconds, 0 for none
 *
 * Sets #GIsle:default-timeout. Jobs that start afterwards use it.
 */
void
g_isle_set_default_timeout (GIsle *self,
                            guint  timeout_ms)
{
  g_return_if_fail (G_IS_ISLE (self));

  if ((guint) g_atomic_int_exchange (&self->worker->default_timeout_ms, (gint) timeout_ms) != timeout_ms)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEFAULT_TIMEOUT]);
}

/**
 * g_isle_get_grace_period:
 * @self: a #GIsle
 *
 * Gets #GIsle:grace-period.
 *
 * Returns: milliseconds
 */
guint
g_isle_get_grace_period (GIsle *self)
{
  g_return_val_if_fail (G_IS_ISLE (self), 0);
  return g_atomic_int_get (&self->worker->grace_ms);
}

/**
 * g_isle_set_grace_period:
 * @self: a #GIsle
 * @grace_ms: milliseconds
 *
 * Sets #GIsle:grace-period. Cancels made afterwards use it.
 */
void
g_isle_set_grace_period (GIsle *self,
                         guint  grace_ms)
{
  g_return_if_fail (G_IS_ISLE (self));

  if ((guint) g_atomic_int_exchange (&self->worker->grace_ms, (gint) grace_ms) != grace_ms)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GRACE_PERIOD]);
}

/**
 * g_isle_get_hard_deadline:
 * @self: a #GIsle
 *
 * Gets #GIsle:hard-deadline.
 *
 * Returns: milliseconds
 */
guint
g_isle_get_hard_deadline (GIsle *self)
{
  g_return_val_if_fail (G_IS_ISLE (self), 0);
  return g_atomic_int_get (&self->worker->hard_ms);
}

/**
 * g_isle_set_hard_deadline:
 * @self: a #GIsle
 * @deadline_ms: milliseconds, at least 1
 *
 * Sets #GIsle:hard-deadline. Cancels made afterwards use it.
 */
void
g_isle_set_hard_deadline (GIsle *self,
                          guint  deadline_ms)
{
  g_return_if_fail (G_IS_ISLE (self));
  g_return_if_fail (deadline_ms > 0);

  if ((guint) g_atomic_int_exchange (&self->worker->hard_ms, (gint) deadline_ms) != deadline_ms)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HARD_DEADLINE]);
}

/**
 * g_isle_is_closed:
 * @self: a #GIsle
 *
 * Gets #GIsle:closed.
 *
 * Returns: whether the isle was closed
 */
gboolean
g_isle_is_closed (GIsle *self)
{
  gboolean closed;

  g_return_val_if_fail (G_IS_ISLE (self), FALSE);

  gisle_mutex_lock (&self->worker->lock);
  closed = self->worker->closing;
  gisle_mutex_unlock (&self->worker->lock);
  return closed;
}

/**
 * g_isle_is_defunct:
 * @self: a #GIsle
 *
 * Gets #GIsle:defunct.
 *
 * Returns: whether the isle was abandoned
 */
gboolean
g_isle_is_defunct (GIsle *self)
{
  gboolean defunct;

  g_return_val_if_fail (G_IS_ISLE (self), FALSE);

  gisle_mutex_lock (&self->worker->lock);
  defunct = self->worker->defunct;
  gisle_mutex_unlock (&self->worker->lock);
  return defunct;
}
