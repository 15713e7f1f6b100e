/* gisle-debugger.c: GIsleDebugger, the public face of the debugger.
 *
 * Floor 17 (the debugger's public face, above the isle): the worker side
 * (the hook, the pause, the answers) is gisle-debugger-hook.c, a floor
 * below, which it registers with the cancel mechanism (GisleRunHooks) and
 * which calls back only through a GisleDebugSink. docs/debugging.md has
 * the model and the costs.
 *
 * Thread rule: every method may be called from any thread but the isle's
 * own; the object's signals and notifications are emitted in the isle's
 * main context, through the delivery queue. Nothing here touches a
 * lua_State: questions for a paused job are queued for the worker, which
 * answers them while it waits in its hook.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle.h"
#include "gisle-debug-core-private.h"
#include "gisle-debugger-hook-private.h"
#include "gisle-cancel-private.h"
#include "gisle-dispatch-private.h"
#include "gisle-i18n-private.h"
#include "gisle-isle-private.h"
#include "gisle-worker-private.h"

#include <string.h>

/**
 * GIsleDebugger:
 *
 * A debugger attached to an isle: breakpoints, pausing, stepping and a
 * look at the paused job's stack and variables.
 *
 * At most one debugger is attached to an isle at a time. It stays attached
 * until g_isle_debugger_detach() or until it is disposed; a paused job
 * then goes on. The debugger keeps its #GIsleDebugger:isle alive.
 *
 * A job pauses at a breakpoint (g_isle_debugger_add_breakpoint()), when
 * asked to (g_isle_debugger_pause()), at the end of a step, or on an error
 * nothing caught when #GIsleDebugger:pause-on-error is set. The isle's
 * thread then waits inside Lua's debug hook and answers the debugger's
 * questions (g_isle_debugger_get_stack(), g_isle_debugger_get_variables(),
 * g_isle_debugger_evaluate(), g_isle_debugger_set_local()) until it is
 * told to go on with g_isle_debugger_resume() or a step. An isle on a
 * #GIsleExecutor holds its executor thread while it is paused.
 *
 * #GIsleDebugger::paused and #GIsleDebugger::resumed are emitted in the
 * isle's #GIsle:main-context, like every signal of the isle.
 *
 * Stopping the job (its #GCancellable, or closing the isle) while it is
 * paused ends it at once, as any cancel does. Paused time does not count
 * toward the job's time limit; see the debugging guide.
 *
 * While no breakpoint is set, no step is pending and no pause was asked
 * for, an attached debugger costs nothing: no hook is installed.
 *
 * Values are shown as #GVariant, mostly as the isle's value mapping has
 * them (see the values guide): `nil` is a Nothing maybe (`mv`), booleans,
 * numbers and strings as usual. A table becomes `a(vv)`, its raw key and
 * value pairs (metatables are not consulted, no script code runs), down to
 * #GIsleDebugger:max-depth levels and at most 1000 entries. Whatever has no
 * such form is a `(ss)` pair of a kind and a description: `("table",
 * "table: 0x…")` for a table below the depth limit, `("cycle", "table:
 * 0x…")` for a table that contains itself, `("function", "function:
 * chunk:line")`, `("userdata", …)`, `("thread", …)`, and `("more", "N more
 * entries")` as the key of the last pair of a table that was cut short.
 */

struct _GIsleDebugger
{
  GObject parent_instance;

  GIsle *isle;                   /* strong */
  GisleDebugCore *core;          /* owned by the worker, which @isle keeps */
  guint serial;                  /* the core's serial while attached, or 0 */
};

enum {
  PROP_0,
  PROP_ISLE,
  PROP_ATTACHED,
  PROP_PAUSED,
  PROP_PAUSE_ON_ERROR,
  PROP_MAX_DEPTH,
  N_PROPS
};

enum {
  SIGNAL_PAUSED,
  SIGNAL_RESUMED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (GIsleDebugger, g_isle_debugger, G_TYPE_OBJECT)

/* ---- The core ---------------------------------------------------------- */

static void gisle_debug_request_complete (GisleDebugCore    *core,
                                          GisleDebugRequest *request);
static void gisle_debugger_emit_paused   (GisleDebugCore    *core,
                                          guint              serial,
                                          GIslePauseReason   reason,
                                          const char        *chunk,
                                          int                line,
                                          const char        *message);
static void gisle_debugger_emit_resumed  (GisleDebugCore    *core,
                                          guint              serial);

/* How the worker side reaches this floor. */
static const GisleDebugSink gisle_debugger_sink = {
  .complete = gisle_debug_request_complete,
  .paused = gisle_debugger_emit_paused,
  .resumed = gisle_debugger_emit_resumed,
};

static GMutex gisle_debug_core_lock;

/* The worker's core, made and registered the first time. */
static GisleDebugCore *
gisle_debug_core_get (GisleWorker *worker)
{
  GisleDebugCore *core = NULL;

  gisle_mutex_lock (&gisle_debug_core_lock);
  GisleRun *run = gisle_worker_get_run (worker);

  if (gisle_cancel_run_get_hooks (run) == &gisle_debug_run_hooks)
    core = gisle_cancel_run_get_hooks_data (run);
  else if (gisle_cancel_run_get_hooks (run) == NULL)
    {
      core = gisle_debug_core_new (worker, &gisle_debugger_sink);
      if (!gisle_cancel_register_hooks (worker, &gisle_debug_run_hooks, core))
        {
          gisle_debug_run_hooks.release (core);
          core = NULL;
        }
    }
  gisle_mutex_unlock (&gisle_debug_core_lock);
  return core;
}

static gint
gisle_breakpoint_compare (gconstpointer a,
                          gconstpointer b)
{
  const GisleBreakpoint *x = *(GisleBreakpoint * const *) a;
  const GisleBreakpoint *y = *(GisleBreakpoint * const *) b;

  return x->line < y->line ? -1 : x->line > y->line ? 1 : (gint) x->id - (gint) y->id;
}

/* Under core->lock: publishes a new snapshot of the breakpoints. */
static void
gisle_debug_core_publish_locked (GisleDebugCore *core)
{
  GisleBreakpointSet *set = g_atomic_rc_box_new0 (GisleBreakpointSet);

  set->by_chunk = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < core->breakpoints->len; i++)
    {
      GisleBreakpoint *bp = core->breakpoints->pdata[i];
      GisleBreakpoint *copy = g_new0 (GisleBreakpoint, 1);
      GPtrArray *lines = g_hash_table_lookup (set->by_chunk, bp->chunk);

      if (lines == NULL)
        {
          lines = g_ptr_array_new_with_free_func (gisle_breakpoint_free);
          g_hash_table_insert (set->by_chunk, g_strdup (bp->chunk), lines);
        }
      copy->id = bp->id;
      copy->line = bp->line;
      copy->chunk = g_strdup (bp->chunk);
      copy->condition = g_strdup (bp->condition);
      g_ptr_array_add (lines, copy);
      set->count++;
    }
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, set->by_chunk);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      g_ptr_array_sort (value, gisle_breakpoint_compare);
  }

  if (core->set != NULL)
    g_atomic_rc_box_release_full (core->set, gisle_breakpoint_set_free);
  core->set = set;
  g_atomic_int_set (&core->n_breakpoints, (gint) set->count);
  g_atomic_int_inc (&core->generation);
}

/* Asks the job running now, if any, to take the hook at its next Lua
 * instruction (a job that starts later takes it as it enters Lua). */
static void
gisle_debug_core_poke (GisleDebugCore *core)
{
  GisleWorker *worker = core->worker;

  gisle_worker_signal_hooks (worker);
}

/* ---- Attaching --------------------------------------------------------- */

/* Whether @self is the debugger attached to its core now (under
 * core->lock). */
static gboolean
g_isle_debugger_owns_locked (GIsleDebugger *self)
{
  return self->serial != 0 && self->core->attached &&
         (guint) g_atomic_int_get (&self->core->serial) == self->serial;
}

static gboolean
g_isle_debugger_owns (GIsleDebugger *self)
{
  gboolean owns;

  if (self->core == NULL)
    return FALSE;
  gisle_mutex_lock (&self->core->lock);
  owns = g_isle_debugger_owns_locked (self);
  gisle_mutex_unlock (&self->core->lock);
  return owns;
}

static void
g_isle_debugger_attach (GIsleDebugger *self)
{
  GisleWorker *worker = gisle_isle_get_worker (self->isle);
  GisleDebugCore *core;
  gboolean closed;

  closed = gisle_worker_is_closed (worker) || gisle_worker_is_defunct (worker);
  if (closed)
    return;

  core = gisle_debug_core_get (worker);
  if (core == NULL)
    return;
  self->core = core;

  gisle_mutex_lock (&core->lock);
  if (!core->attached)
    {
      core->attached = TRUE;
      self->serial = (guint) g_atomic_int_add (&core->serial, 1) + 1;
      g_weak_ref_set (&core->object, self);
      g_atomic_int_set (&core->pause_requested, 0);
      g_atomic_int_set (&core->pause_on_error, 0);
      g_atomic_int_set (&core->max_depth, GISLE_DEBUG_DEFAULT_DEPTH);
      g_atomic_int_set (&core->attached_flag, 1);
    }
  gisle_mutex_unlock (&core->lock);
}

/**
 * g_isle_debugger_detach:
 * @self: a #GIsleDebugger
 *
 * Detaches the debugger from its isle: its breakpoints are removed, a
 * pending pause or step is forgotten, and a paused job goes on (questions
 * still waiting fail with %G_ISLE_ERROR_NOT_PAUSED). The isle's jobs then
 * run without any hook again. Disposing the debugger detaches it.
 * Detaching twice does nothing. May be called from any thread.
 */
void
g_isle_debugger_detach (GIsleDebugger *self)
{
  GisleDebugCore *core;
  GisleWorker *worker;
  gboolean detached = FALSE;

  g_return_if_fail (G_IS_ISLE_DEBUGGER (self));

  core = self->core;
  if (core == NULL)
    return;
  worker = core->worker;

  gisle_mutex_lock (&core->lock);
  if (g_isle_debugger_owns_locked (self))
    {
      core->attached = FALSE;
      g_atomic_int_set (&core->attached_flag, 0);
      g_atomic_int_set (&core->pause_requested, 0);
      g_atomic_int_set (&core->pause_on_error, 0);
      g_weak_ref_set (&core->object, NULL);
      g_ptr_array_set_size (core->breakpoints, 0);
      gisle_debug_core_publish_locked (core);
      detached = TRUE;
    }
  self->serial = 0;
  gisle_mutex_unlock (&core->lock);

  if (!detached)
    return;

  /* The paused job goes on; the worker sees it is detached and takes no
   * step. */
  gisle_mutex_lock (gisle_owner_get_lock (worker));
  if (core->state == GISLE_DEBUG_PAUSED)
    {
      core->state = GISLE_DEBUG_RESUME;
      g_cond_broadcast (gisle_owner_get_wake (worker));
    }
  gisle_mutex_unlock (gisle_owner_get_lock (worker));

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ATTACHED]);
}

/**
 * g_isle_debugger_is_attached:
 * @self: a #GIsleDebugger
 *
 * Whether the debugger is attached to its isle: from g_isle_debugger_new()
 * until g_isle_debugger_detach().
 *
 * Returns: %TRUE if attached
 */
gboolean
g_isle_debugger_is_attached (GIsleDebugger *self)
{
  g_return_val_if_fail (G_IS_ISLE_DEBUGGER (self), FALSE);

  return g_isle_debugger_owns (self);
}

/* ---- GObject ----------------------------------------------------------- */

static void
g_isle_debugger_constructed (GObject *object)
{
  GIsleDebugger *self = G_ISLE_DEBUGGER (object);

  G_OBJECT_CLASS (g_isle_debugger_parent_class)->constructed (object);
  if (self->isle != NULL)
    g_isle_debugger_attach (self);
}

static void
g_isle_debugger_dispose (GObject *object)
{
  GIsleDebugger *self = G_ISLE_DEBUGGER (object);

  g_isle_debugger_detach (self);
  G_OBJECT_CLASS (g_isle_debugger_parent_class)->dispose (object);
}

static void
g_isle_debugger_finalize (GObject *object)
{
  GIsleDebugger *self = G_ISLE_DEBUGGER (object);

  g_clear_object (&self->isle);
  G_OBJECT_CLASS (g_isle_debugger_parent_class)->finalize (object);
}

static void
g_isle_debugger_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  GIsleDebugger *self = G_ISLE_DEBUGGER (object);

  switch (prop_id)
    {
    case PROP_ISLE:
      g_value_set_object (value, self->isle);
      break;
    case PROP_ATTACHED:
      g_value_set_boolean (value, g_isle_debugger_is_attached (self));
      break;
    case PROP_PAUSED:
      g_value_set_boolean (value, g_isle_debugger_is_paused (self));
      break;
    case PROP_PAUSE_ON_ERROR:
      g_value_set_boolean (value, g_isle_debugger_get_pause_on_error (self));
      break;
    case PROP_MAX_DEPTH:
      g_value_set_uint (value, g_isle_debugger_get_max_depth (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
g_isle_debugger_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  GIsleDebugger *self = G_ISLE_DEBUGGER (object);

  switch (prop_id)
    {
    case PROP_ISLE:
      self->isle = g_value_dup_object (value);
      break;
    case PROP_PAUSE_ON_ERROR:
      g_isle_debugger_set_pause_on_error (self, g_value_get_boolean (value));
      break;
    case PROP_MAX_DEPTH:
      g_isle_debugger_set_max_depth (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
g_isle_debugger_class_init (GIsleDebuggerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = g_isle_debugger_constructed;
  object_class->dispose = g_isle_debugger_dispose;
  object_class->finalize = g_isle_debugger_finalize;
  object_class->get_property = g_isle_debugger_get_property;
  object_class->set_property = g_isle_debugger_set_property;

  /**
   * GIsleDebugger:isle:
   *
   * The isle the debugger is for. It is attached to it at construction,
   * unless another debugger is attached already or the isle is closed
   * (see #GIsleDebugger:attached).
   */
  properties[PROP_ISLE] =
    g_param_spec_object ("isle", "Isle", "The isle the debugger is for",
                         G_TYPE_ISLE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsleDebugger:attached:
   *
   * Whether the debugger is attached to its isle (see
   * g_isle_debugger_is_attached()).
   */
  properties[PROP_ATTACHED] =
    g_param_spec_boolean ("attached", "Attached", "Whether the debugger is attached to its isle",
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * GIsleDebugger:paused:
   *
   * Whether a job of the isle is paused (see g_isle_debugger_is_paused()).
   * Notified in the isle's main context, with #GIsleDebugger::paused and
   * #GIsleDebugger::resumed.
   */
  properties[PROP_PAUSED] =
    g_param_spec_boolean ("paused", "Paused", "Whether a job of the isle is paused",
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsleDebugger:pause-on-error:
   *
   * Whether a job pauses when it raises an error that nothing catches,
   * where the error was raised, before it fails. Errors caught by `pcall`
   * or `xpcall` do not pause.
   */
  properties[PROP_PAUSE_ON_ERROR] =
    g_param_spec_boolean ("pause-on-error", "Pause on error",
                          "Whether a job pauses on an error nothing catches",
                          FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GIsleDebugger:max-depth:
   *
   * How many levels of nested tables a value shows; deeper tables are
   * shown as a `("table", "table: 0x…")` pair, which
   * g_isle_debugger_evaluate() can open (evaluate `t.field`). 0 shows no
   * table's contents.
   */
  properties[PROP_MAX_DEPTH] =
    g_param_spec_uint ("max-depth", "Maximum depth", "How many levels of nested tables a value shows",
                       0, 100, GISLE_DEBUG_DEFAULT_DEPTH,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GIsleDebugger::paused:
   * @self: the debugger
   * @reason: why the job paused
   * @chunk: the chunk of the innermost frame with a line (its name without
   *   a leading `=` or `@`, as Lua's short source has it)
   * @line: the line where it paused, or -1 if no frame has one
   * @message: (nullable): the error message, for
   *   %G_ISLE_PAUSE_REASON_ERROR and %G_ISLE_PAUSE_REASON_CONDITION_ERROR
   *
   * Emitted in the isle's #GIsle:main-context when a job pauses. The job
   * waits until g_isle_debugger_resume(), a step, g_isle_debugger_detach(),
   * or until it is cancelled.
   */
  signals[SIGNAL_PAUSED] =
    g_signal_new ("paused", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4,
                  G_TYPE_ISLE_PAUSE_REASON,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE,
                  G_TYPE_INT,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * GIsleDebugger::resumed:
   * @self: the debugger
   *
   * Emitted in the isle's #GIsle:main-context when a paused job goes on
   * (resumed, stepping, cancelled, or the debugger detached).
   */
  signals[SIGNAL_RESUMED] =
    g_signal_new ("resumed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
g_isle_debugger_init (GIsleDebugger *self)
{
}

/**
 * g_isle_debugger_new:
 * @isle: the isle to debug
 * @error: return location for a #GError
 *
 * Makes a debugger and attaches it to @isle. No hook is installed until a
 * breakpoint is set, g_isle_debugger_pause() is called or a step is
 * taken. May be called from any thread.
 *
 * Returns: (transfer full): the attached debugger, or %NULL with @error set
 *   if another debugger is attached to @isle (%G_IO_ERROR_BUSY) or the
 *   isle is closed (%G_ISLE_ERROR_CLOSED)
 */
GIsleDebugger *
g_isle_debugger_new (GIsle   *isle,
                     GError **error)
{
  g_autoptr(GIsleDebugger) self = NULL;
  GisleWorker *worker;
  gboolean closed;

  g_return_val_if_fail (G_IS_ISLE (isle), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (G_TYPE_ISLE_DEBUGGER, "isle", isle, NULL);
  if (g_isle_debugger_owns (self))
    return g_steal_pointer (&self);

  worker = gisle_isle_get_worker (isle);
  closed = gisle_worker_is_closed (worker) || gisle_worker_is_defunct (worker);
  if (closed)
    g_set_error_literal (error, G_ISLE_ERROR, G_ISLE_ERROR_CLOSED,
                         _("The isle is closed: no debugger can attach to it"));
  else
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                         _("Another debugger is attached to the isle"));
  return NULL;
}

/**
 * g_isle_debugger_get_isle:
 * @self: a #GIsleDebugger
 *
 * The isle the debugger is for (#GIsleDebugger:isle), attached or not.
 *
 * Returns: (transfer none): the isle the debugger is for
 */
GIsle *
g_isle_debugger_get_isle (GIsleDebugger *self)
{
  g_return_val_if_fail (G_IS_ISLE_DEBUGGER (self), NULL);

  return self->isle;
}

/* ---- Breakpoints --------------------------------------------------------- */

/* The name Lua's short source shows: without a leading = or @. */
static const char *
gisle_debug_chunk_key (const char *chunk_name)
{
  return chunk_name[0] == '=' || chunk_name[0] == '@' ? chunk_name + 1 : chunk_name;
}

/**
 * g_isle_debugger_add_breakpoint:
 * @self: a #GIsleDebugger
 * @chunk_name: the chunk, as given to g_isle_eval_full() (a leading `=` or
 *   `@` is optional: `"=job"`, `"@job"` and `"job"` are the same chunk)
 * @line: the line, from 1
 * @condition: (nullable): a Lua expression evaluated in the frame at that
 *   line each time it is reached, or %NULL
 *
 * Sets a breakpoint: a job pauses when it reaches @line of any function of
 * @chunk_name, and, with a @condition, only when the condition is true (it
 * sees the frame's locals, upvalues and globals). A condition that raises
 * an error or does not compile pauses the job with
 * %G_ISLE_PAUSE_REASON_CONDITION_ERROR and the message, so the mistake is
 * seen; it never fails the job.
 *
 * A running job takes the breakpoint at its next Lua instruction. Only
 * functions of chunks with breakpoints are slowed down: see the debugging
 * guide for the costs. May be called from any thread.
 *
 * Returns: the breakpoint's id, never 0; or 0 if the debugger is detached
 */
guint
g_isle_debugger_add_breakpoint (GIsleDebugger *self,
                                const char    *chunk_name,
                                guint          line,
                                const char    *condition)
{
  GisleDebugCore *core;
  GisleBreakpoint *bp;
  guint id;

  g_return_val_if_fail (G_IS_ISLE_DEBUGGER (self), 0);
  g_return_val_if_fail (chunk_name != NULL && *gisle_debug_chunk_key (chunk_name) != '\0', 0);
  g_return_val_if_fail (line > 0, 0);

  core = self->core;
  if (core == NULL)
    return 0;
  gisle_mutex_lock (&core->lock);
  if (!g_isle_debugger_owns_locked (self))
    {
      gisle_mutex_unlock (&core->lock);
      return 0;
    }
  bp = g_new0 (GisleBreakpoint, 1);
  bp->id = id = ++core->next_id;
  bp->line = line;
  bp->chunk = g_strdup (gisle_debug_chunk_key (chunk_name));
  bp->condition = condition != NULL && *condition != '\0' ? g_strdup (condition) : NULL;
  g_ptr_array_add (core->breakpoints, bp);
  gisle_debug_core_publish_locked (core);
  gisle_mutex_unlock (&core->lock);

  gisle_debug_core_poke (core);
  return id;
}

/**
 * g_isle_debugger_remove_breakpoint:
 * @self: a #GIsleDebugger
 * @id: a breakpoint id from g_isle_debugger_add_breakpoint()
 *
 * Removes a breakpoint. When the last one goes, the running job drops its
 * hook at its next call, return or line (unless a step or pause is
 * pending). May be called from any thread.
 *
 * Returns: %TRUE if there was such a breakpoint
 */
gboolean
g_isle_debugger_remove_breakpoint (GIsleDebugger *self,
                                   guint          id)
{
  GisleDebugCore *core;
  gboolean found = FALSE;

  g_return_val_if_fail (G_IS_ISLE_DEBUGGER (self), FALSE);

  core = self->core;
  if (core == NULL)
    return FALSE;
  gisle_mutex_lock (&core->lock);
  if (g_isle_debugger_owns_locked (self))
    for (guint i = 0; i < core->breakpoints->len; i++)
      if (((GisleBreakpoint *) core->breakpoints->pdata[i])->id == id)
        {
          g_ptr_array_remove_index (core->breakpoints, i);
          gisle_debug_core_publish_locked (core);
          found = TRUE;
          break;
        }
  gisle_mutex_unlock (&core->lock);
  return found;
}

/**
 * g_isle_debugger_clear_breakpoints:
 * @self: a #GIsleDebugger
 *
 * Removes every breakpoint. May be called from any thread.
 */
void
g_isle_debugger_clear_breakpoints (GIsleDebugger *self)
{
  GisleDebugCore *core;

  g_return_if_fail (G_IS_ISLE_DEBUGGER (self));

  core = self->core;
  if (core == NULL)
    return;
  gisle_mutex_lock (&core->lock);
  if (g_isle_debugger_owns_locked (self))
    {
      g_ptr_array_set_size (core->breakpoints, 0);
      gisle_debug_core_publish_locked (core);
    }
  gisle_mutex_unlock (&core->lock);
}

/**
 * g_isle_debugger_list_breakpoints:
 * @self: a #GIsleDebugger
 *
 * The breakpoints set, in the order they were added, as an array of
 * `(usus)`: id, chunk name (without a leading `=` or `@`), line and
 * condition (empty for none).
 *
 * Returns: (transfer full): the breakpoints, `a(usus)`
 */
GVariant *
g_isle_debugger_list_breakpoints (GIsleDebugger *self)
{
  GVariantBuilder builder;
  GisleDebugCore *core;

  g_return_val_if_fail (G_IS_ISLE_DEBUGGER (self), NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(usus)"));
  core = self->core;
  if (core != NULL)
    {
      gisle_mutex_lock (&core->lock);
      if (g_isle_debugger_owns_locked (self))
        for (guint i = 0; i < core->breakpoints->len; i++)
          {
            GisleBreakpoint *bp = core->breakpoints->pdata[i];
            g_autofree char *chunk = g_utf8_make_valid (bp->chunk, -1);
            g_autofree char *condition = g_utf8_make_valid (bp->condition != NULL ? bp->condition : "", -1);

            g_variant_builder_add (&builder, "(usus)", bp->id, chunk, bp->line, condition);
          }
      gisle_mutex_unlock (&core->lock);
    }
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/**
 * g_isle_debugger_set_pause_on_error:
 * @self: a #GIsleDebugger
 * @pause_on_error: whether to pause on errors nothing catches
 *
 * Sets #GIsleDebugger:pause-on-error. May be called from any thread; the
 * notification is emitted in the calling thread.
 */
void
g_isle_debugger_set_pause_on_error (GIsleDebugger *self,
                                    gboolean       pause_on_error)
{
  g_return_if_fail (G_IS_ISLE_DEBUGGER (self));

  if (!g_isle_debugger_owns (self))
    return;
  if (g_atomic_int_exchange (&self->core->pause_on_error, !!pause_on_error) != !!pause_on_error)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSE_ON_ERROR]);
}

/**
 * g_isle_debugger_get_pause_on_error:
 * @self: a #GIsleDebugger
 *
 * Whether a job pauses on an error nothing catches (FALSE once detached).
 *
 * Returns: the value of #GIsleDebugger:pause-on-error
 */
gboolean
g_isle_debugger_get_pause_on_error (GIsleDebugger *self)
{
  g_return_val_if_fail (G_IS_ISLE_DEBUGGER (self), FALSE);

  return g_isle_debugger_owns (self) && g_atomic_int_get (&self->core->pause_on_error);
}

/**
 * g_isle_debugger_set_max_depth:
 * @self: a #GIsleDebugger
 * @max_depth: levels of nested tables shown, at most 100
 *
 * Sets #GIsleDebugger:max-depth, for the questions asked from now on.
 */
void
g_isle_debugger_set_max_depth (GIsleDebugger *self,
                               guint          max_depth)
{
  g_return_if_fail (G_IS_ISLE_DEBUGGER (self));
  g_return_if_fail (max_depth <= 100);

  if (!g_isle_debugger_owns (self))
    return;
  if ((guint) g_atomic_int_exchange (&self->core->max_depth, (gint) max_depth) != max_depth)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_DEPTH]);
}

/**
 * g_isle_debugger_get_max_depth:
 * @self: a #GIsleDebugger
 *
 * How many levels of nested tables a value shows.
 *
 * Returns: the value of #GIsleDebugger:max-depth
 */
guint
g_isle_debugger_get_max_depth (GIsleDebugger *self)
{
  g_return_val_if_fail (G_IS_ISLE_DEBUGGER (self), 0);

  if (self->core == NULL)
    return GISLE_DEBUG_DEFAULT_DEPTH;
  return (guint) g_atomic_int_get (&self->core->max_depth);
}

/* ---- Pausing and going on ------------------------------------------------ */

/**
 * g_isle_debugger_pause:
 * @self: a #GIsleDebugger
 *
 * Asks the isle's job to pause at its next Lua line: the running job, or
 * the next one to run if none runs now. A job busy in a C function (a long
 * `string.rep`, a host function) pauses when it is back in Lua. While a
 * job is paused this does nothing. May be called from any thread;
 * #GIsleDebugger::paused tells when it happened.
 */
void
g_isle_debugger_pause (GIsleDebugger *self)
{
  GisleWorker *worker;

  g_return_if_fail (G_IS_ISLE_DEBUGGER (self));

  if (!g_isle_debugger_owns (self))
    return;
  worker = self->core->worker;
  gisle_mutex_lock (gisle_owner_get_lock (worker));
  if (self->core->state == GISLE_DEBUG_RUN)
    g_atomic_int_set (&self->core->pause_requested, 1);
  gisle_mutex_unlock (gisle_owner_get_lock (worker));
  gisle_debug_core_poke (self->core);
}

/**
 * g_isle_debugger_is_paused:
 * @self: a #GIsleDebugger
 *
 * Whether a job of the isle is paused now and waits for this debugger.
 * May be called from any thread.
 *
 * Returns: %TRUE if paused
 */
gboolean
g_isle_debugger_is_paused (GIsleDebugger *self)
{
  GisleWorker *worker;
  gboolean paused;

  g_return_val_if_fail (G_IS_ISLE_DEBUGGER (self), FALSE);

  if (!g_isle_debugger_owns (self))
    return FALSE;
  worker = self->core->worker;
  gisle_mutex_lock (gisle_owner_get_lock (worker));
  paused = self->core->state == GISLE_DEBUG_PAUSED;
  gisle_mutex_unlock (gisle_owner_get_lock (worker));
  return paused;
}

static gboolean
g_isle_debugger_command (GIsleDebugger   *self,
                         GisleDebugState  command)
{
  GisleWorker *worker;
  gboolean done = FALSE;

  if (!g_isle_debugger_owns (self))
    return FALSE;
  worker = self->core->worker;
  gisle_mutex_lock (gisle_owner_get_lock (worker));
  if (self->core->state == GISLE_DEBUG_PAUSED)
    {
      self->core->state = command;
      g_cond_broadcast (gisle_owner_get_wake (worker));
      done = TRUE;
    }
  gisle_mutex_unlock (gisle_owner_get_lock (worker));
  return done;
}

/**
 * g_isle_debugger_resume:
 * @self: a #GIsleDebugger
 *
 * Lets the paused job go on, until the next breakpoint or pause. May be
 * called from any thread.
 *
 * Returns: %TRUE if a job was paused
 */
gboolean
g_isle_debugger_resume (GIsleDebugger *self)
{
  g_return_val_if_fail (G_IS_ISLE_DEBUGGER (self), FALSE);

  return g_isle_debugger_command (self, GISLE_DEBUG_RESUME);
}

/**
 * g_isle_debugger_step_into:
 * @self: a #GIsleDebugger
 *
 * Lets the paused job go on to the next Lua line it runs, in whatever
 * function or coroutine that is (into a function it calls, or into the
 * coroutine it resumes). May be called from any thread.
 *
 * Returns: %TRUE if a job was paused
 */
gboolean
g_isle_debugger_step_into (GIsleDebugger *self)
{
  g_return_val_if_fail (G_IS_ISLE_DEBUGGER (self), FALSE);

  return g_isle_debugger_command (self, GISLE_DEBUG_STEP_INTO);
}

/**
 * g_isle_debugger_step_over:
 * @self: a #GIsleDebugger
 *
 * Lets the paused job go on to the next line of the paused function (or of
 * its caller, if it returns), running the functions and coroutines it
 * calls without stopping, except at breakpoints. A step that leaves its
 * coroutine (it yields or ends) stops at the next line the resumer runs.
 * May be called from any thread.
 *
 * Returns: %TRUE if a job was paused
 */
gboolean
g_isle_debugger_step_over (GIsleDebugger *self)
{
  g_return_val_if_fail (G_IS_ISLE_DEBUGGER (self), FALSE);

  return g_isle_debugger_command (self, GISLE_DEBUG_STEP_OVER);
}

/**
 * g_isle_debugger_step_out:
 * @self: a #GIsleDebugger
 *
 * Lets the paused job go on until the paused function returns, and pauses
 * at the next line of its caller (or of the coroutine's resumer, if the
 * function was a coroutine's body). May be called from any thread.
 *
 * Returns: %TRUE if a job was paused
 */
gboolean
g_isle_debugger_step_out (GIsleDebugger *self)
{
  g_return_val_if_fail (G_IS_ISLE_DEBUGGER (self), FALSE);

  return g_isle_debugger_command (self, GISLE_DEBUG_STEP_OUT);
}

/* ---- Questions for the paused job --------------------------------------- */

static void
gisle_debug_request_free (GisleDebugRequest *request)
{
  g_clear_object (&request->task);
  g_free (request->text);
  g_clear_pointer (&request->value, g_variant_unref);
  g_clear_pointer (&request->result, g_variant_unref);
  g_clear_error (&request->error);
  g_free (request);
}

static GisleDebugRequest *
gisle_debug_request_new (GIsleDebugger         *self,
                         GisleDebugRequestKind  kind,
                         guint                  frame)
{
  GisleDebugRequest *request = g_new0 (GisleDebugRequest, 1);

  request->kind = kind;
  request->frame = frame;
  request->max_depth = g_isle_debugger_get_max_depth (self);
  request->link.data = request;
  return request;
}

/* Queues @request for the paused worker; FALSE with @error set if no job
 * is paused for this debugger. */
static gboolean
gisle_debug_submit (GIsleDebugger      *self,
                    GisleDebugRequest  *request,
                    GError            **error)
{
  GisleWorker *worker;
  gboolean queued = FALSE;

  if (!g_isle_debugger_owns (self))
    {
      g_set_error_literal (error, G_ISLE_ERROR, G_ISLE_ERROR_NOT_PAUSED,
                           _("The debugger is detached from its isle"));
      return FALSE;
    }
  worker = self->core->worker;
  if (gisle_worker_is_self (worker))
    {
      g_set_error_literal (error, G_ISLE_ERROR, G_ISLE_ERROR_WOULD_DEADLOCK,
                           "A debugger question was asked on the isle’s own thread, where it could never be answered");
      return FALSE;
    }
  gisle_mutex_lock (gisle_owner_get_lock (worker));
  if (self->core->state == GISLE_DEBUG_PAUSED)
    {
      g_queue_push_tail_link (&self->core->requests, &request->link);
      g_cond_broadcast (gisle_owner_get_wake (worker));
      queued = TRUE;
    }
  gisle_mutex_unlock (gisle_owner_get_lock (worker));
  if (!queued)
    g_set_error_literal (error, G_ISLE_ERROR, G_ISLE_ERROR_NOT_PAUSED,
                         _("No job of the isle is paused"));
  return queued;
}

/* Synchronously: waits for the worker's answer (the worker answers every
 * queued question, if only with G_ISLE_ERROR_NOT_PAUSED as it goes on). */
static GVariant *
gisle_debug_ask (GIsleDebugger      *self,
                 GisleDebugRequest  *request,
                 GCancellable       *cancellable,
                 GError            **error)
{
  GisleDebugCore *core = self->core;
  GVariant *result;

  if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
      !gisle_debug_submit (self, request, error))
    {
      gisle_debug_request_free (request);
      return NULL;
    }

  gisle_mutex_lock (&core->lock);
  while (!request->done)
    gisle_cond_wait (&core->cond, &core->lock);
  gisle_mutex_unlock (&core->lock);

  if (request->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&request->error));
      gisle_debug_request_free (request);
      return NULL;
    }
  result = g_steal_pointer (&request->result);
  gisle_debug_request_free (request);
  return result;
}

static void
gisle_debug_ask_async (GIsleDebugger       *self,
                       GisleDebugRequest   *request,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data,
                       gpointer             source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, source_tag);
  g_task_set_check_cancellable (task, FALSE);
  request->task = task;
  if (!gisle_debug_submit (self, request, &error))
    {
      request->task = NULL;
      gisle_debug_request_free (request);
      g_task_return_error (task, error);
      g_object_unref (task);
    }
}

/* In the isle's main context: hands the worker's answer to the task. */
static gboolean
gisle_debug_complete_in_owner (gpointer data)
{
  GisleDebugRequest *request = data;

  if (request->error != NULL)
    g_task_return_error (request->task, g_steal_pointer (&request->error));
  else if (request->kind == GISLE_DEBUG_REQ_SET_LOCAL)
    g_task_return_boolean (request->task, TRUE);
  else
    g_task_return_pointer (request->task, g_steal_pointer (&request->result),
                           (GDestroyNotify) g_variant_unref);
  return G_SOURCE_REMOVE;
}

/* On the worker thread, with @request's result or error set. An async
 * answer travels through the delivery queue, so no GTask is touched off
 * its context's thread; a sync asker is woken. */
static void
gisle_debug_request_complete (GisleDebugCore    *core,
                              GisleDebugRequest *request)
{
  if (request->task != NULL)
    {
      gisle_dispatch_invoke (core->worker, gisle_debug_complete_in_owner, request,
                             (GDestroyNotify) gisle_debug_request_free);
      return;
    }
  gisle_mutex_lock (&core->lock);
  request->done = TRUE;
  g_cond_broadcast (&core->cond);
  gisle_mutex_unlock (&core->lock);
}

static GVariant *
gisle_debug_finish (GIsleDebugger  *self,
                    GAsyncResult   *result,
                    gpointer        source_tag,
                    GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * g_isle_debugger_get_stack:
 * @self: a #GIsleDebugger
 * @cancellable: (nullable): a #GCancellable, checked before asking
 * @error: return location for a #GError
 *
 * The paused job's call stack, innermost frame first: the frames of the
 * running coroutine, then those of the coroutine that resumed it, and so
 * on to the job's main function. Each frame is a dictionary (`a{sv}`):
 *
 * - `function` (`s`): its name as Lua knows it, `(main)` for a chunk's
 *   main function, or `(anonymous)`;
 * - `chunk` (`s`): Lua's short source (`[C]` for C functions);
 * - `line` (`i`): the current line, or -1 (C functions);
 * - `line-defined` (`i`): where the function starts, or -1;
 * - `what` (`s`): `Lua`, `C` or `main`;
 * - `tail-call` (`b`): whether it was tail-called (its caller's frame is
 *   gone);
 * - `coroutine` (`u`): 0 for the job's own state, n for the nth coroutine
 *   resumed on the way to the running one.
 *
 * A frame's position in this array is its number in the other calls.
 * Blocks the calling thread until the isle's thread answers; from a main
 * thread prefer g_isle_debugger_get_stack_async().
 *
 * Returns: (transfer full): the frames, `aa{sv}`; or %NULL with @error
 *   set (%G_ISLE_ERROR_NOT_PAUSED if no job is paused)
 */
GVariant *
g_isle_debugger_get_stack (GIsleDebugger  *self,
                           GCancellable   *cancellable,
                           GError        **error)
{
  g_return_val_if_fail (G_IS_ISLE_DEBUGGER (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return gisle_debug_ask (self, gisle_debug_request_new (self, GISLE_DEBUG_REQ_STACK, 0),
                          cancellable, error);
}

/**
 * g_isle_debugger_get_stack_async:
 * @self: a #GIsleDebugger
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called in the thread-default context with the
 *   answer
 * @user_data: data for @callback
 *
 * Asks for the paused job's call stack, as g_isle_debugger_get_stack().
 */
void
g_isle_debugger_get_stack_async (GIsleDebugger       *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (G_IS_ISLE_DEBUGGER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  gisle_debug_ask_async (self, gisle_debug_request_new (self, GISLE_DEBUG_REQ_STACK, 0),
                         cancellable, callback, user_data, g_isle_debugger_get_stack_async);
}

/**
 * g_isle_debugger_get_stack_finish:
 * @self: a #GIsleDebugger
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes g_isle_debugger_get_stack_async().
 *
 * Returns: (transfer full): the frames, as g_isle_debugger_get_stack()
 *   has them, or %NULL with @error set
 */
GVariant *
g_isle_debugger_get_stack_finish (GIsleDebugger  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (G_IS_ISLE_DEBUGGER (self), NULL);

  return gisle_debug_finish (self, result, g_isle_debugger_get_stack_async, error);
}

/**
 * g_isle_debugger_get_variables:
 * @self: a #GIsleDebugger
 * @frame: a frame number, 0 for the innermost (see
 *   g_isle_debugger_get_stack())
 * @cancellable: (nullable): a #GCancellable, checked before asking
 * @error: return location for a #GError
 *
 * The variables of a frame of the paused job, as a dictionary (`a{sv}`):
 *
 * - `locals` (`a(sv)`): the active local variables, in the order they were
 *   declared, as name and value (a name may appear twice when an inner
 *   block shadows an outer local);
 * - `upvalues` (`a(sv)`): the function's upvalues, as name and value;
 * - `varargs` (`av`): the extra arguments of a vararg function.
 *
 * Values are shown as the #GIsleDebugger description says. Blocks the
 * calling thread until the isle's thread answers.
 *
 * Returns: (transfer full): the variables, or %NULL with @error set
 *   (%G_ISLE_ERROR_NOT_PAUSED; %G_IO_ERROR_INVALID_ARGUMENT for a frame
 *   that does not exist)
 */
GVariant *
g_isle_debugger_get_variables (GIsleDebugger  *self,
                               guint           frame,
                               GCancellable   *cancellable,
                               GError        **error)
{
  g_return_val_if_fail (G_IS_ISLE_DEBUGGER (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return gisle_debug_ask (self, gisle_debug_request_new (self, GISLE_DEBUG_REQ_VARIABLES, frame),
                          cancellable, error);
}

/**
 * g_isle_debugger_get_variables_async:
 * @self: a #GIsleDebugger
 * @frame: a frame number, 0 for the innermost
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called in the thread-default context with the
 *   answer
 * @user_data: data for @callback
 *
 * Asks for the variables of a frame, as g_isle_debugger_get_variables().
 */
void
g_isle_debugger_get_variables_async (GIsleDebugger       *self,
                                     guint                frame,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (G_IS_ISLE_DEBUGGER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  gisle_debug_ask_async (self, gisle_debug_request_new (self, GISLE_DEBUG_REQ_VARIABLES, frame),
                         cancellable, callback, user_data, g_isle_debugger_get_variables_async);
}

/**
 * g_isle_debugger_get_variables_finish:
 * @self: a #GIsleDebugger
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes g_isle_debugger_get_variables_async().
 *
 * Returns: (transfer full): the variables, as
 *   g_isle_debugger_get_variables() has them, or %NULL with @error set
 */
GVariant *
g_isle_debugger_get_variables_finish (GIsleDebugger  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  g_return_val_if_fail (G_IS_ISLE_DEBUGGER (self), NULL);

  return gisle_debug_finish (self, result, g_isle_debugger_get_variables_async, error);
}

/**
 * g_isle_debugger_evaluate:
 * @self: a #GIsleDebugger
 * @frame: a frame number, 0 for the innermost
 * @expression: a Lua expression, or statements
 * @cancellable: (nullable): a #GCancellable, checked before asking
 * @error: return location for a #GError
 *
 * Evaluates @expression in a frame of the paused job: names are looked up
 * among the frame's active locals, then its function's upvalues, then its
 * globals; assigning to a name sets the local or upvalue of that name, or
 * else a global. When @expression is not an expression it runs as
 * statements (`x = 1`, `for ...`) and the result is `nil`.
 *
 * The code runs on the isle's thread, in a coroutine of its own: a
 * breakpoint in it does not pause, Stop (cancelling the job) interrupts
 * it, and an error it raises is returned, not raised in the job.
 *
 * Returns: (transfer full): the first value the expression gives, shown
 *   as the #GIsleDebugger description says, or %NULL with @error set
 *   (%G_ISLE_ERROR_SYNTAX, %G_ISLE_ERROR_RUNTIME,
 *   %G_ISLE_ERROR_NOT_PAUSED, %G_IO_ERROR_INVALID_ARGUMENT for a frame that
 *   does not exist)
 */
GVariant *
g_isle_debugger_evaluate (GIsleDebugger  *self,
                          guint           frame,
                          const char     *expression,
                          GCancellable   *cancellable,
                          GError        **error)
{
  GisleDebugRequest *request;

  g_return_val_if_fail (G_IS_ISLE_DEBUGGER (self), NULL);
  g_return_val_if_fail (expression != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  request = gisle_debug_request_new (self, GISLE_DEBUG_REQ_EVALUATE, frame);
  request->text = g_strdup (expression);
  return gisle_debug_ask (self, request, cancellable, error);
}

/**
 * g_isle_debugger_evaluate_async:
 * @self: a #GIsleDebugger
 * @frame: a frame number, 0 for the innermost
 * @expression: a Lua expression, or statements
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called in the thread-default context with the
 *   answer
 * @user_data: data for @callback
 *
 * Evaluates @expression in a frame, as g_isle_debugger_evaluate().
 */
void
g_isle_debugger_evaluate_async (GIsleDebugger       *self,
                                guint                frame,
                                const char          *expression,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GisleDebugRequest *request;

  g_return_if_fail (G_IS_ISLE_DEBUGGER (self));
  g_return_if_fail (expression != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  request = gisle_debug_request_new (self, GISLE_DEBUG_REQ_EVALUATE, frame);
  request->text = g_strdup (expression);
  gisle_debug_ask_async (self, request, cancellable, callback, user_data,
                         g_isle_debugger_evaluate_async);
}

/**
 * g_isle_debugger_evaluate_finish:
 * @self: a #GIsleDebugger
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes g_isle_debugger_evaluate_async().
 *
 * Returns: (transfer full): the value, as g_isle_debugger_evaluate() has
 *   it, or %NULL with @error set
 */
GVariant *
g_isle_debugger_evaluate_finish (GIsleDebugger  *self,
                                 GAsyncResult   *result,
                                 GError        **error)
{
  g_return_val_if_fail (G_IS_ISLE_DEBUGGER (self), NULL);

  return gisle_debug_finish (self, result, g_isle_debugger_evaluate_async, error);
}

/**
 * g_isle_debugger_set_local:
 * @self: a #GIsleDebugger
 * @frame: a frame number, 0 for the innermost
 * @name: the name of an active local variable of the frame (the innermost
 *   one if several have it), or else of an upvalue of its function
 * @value: the new value, converted as call arguments are (see the values
 *   guide); if it is floating, it is consumed
 * @cancellable: (nullable): a #GCancellable, checked before asking
 * @error: return location for a #GError
 *
 * Sets a local variable (or upvalue) of a frame of the paused job. The job
 * sees the new value when it goes on.
 *
 * Returns: %TRUE on success; %FALSE with @error set
 *   (%G_ISLE_ERROR_NOT_FOUND if the frame has no such variable,
 *   %G_ISLE_ERROR_CONVERSION, %G_ISLE_ERROR_NOT_PAUSED,
 *   %G_IO_ERROR_INVALID_ARGUMENT for a frame that does not exist)
 */
gboolean
g_isle_debugger_set_local (GIsleDebugger  *self,
                           guint           frame,
                           const char     *name,
                           GVariant       *value,
                           GCancellable   *cancellable,
                           GError        **error)
{
  GisleDebugRequest *request;
  g_autoptr(GVariant) result = NULL;

  g_return_val_if_fail (G_IS_ISLE_DEBUGGER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  request = gisle_debug_request_new (self, GISLE_DEBUG_REQ_SET_LOCAL, frame);
  request->text = g_strdup (name);
  request->value = g_variant_ref_sink (value);
  result = gisle_debug_ask (self, request, cancellable, error);
  return result != NULL;
}

/**
 * g_isle_debugger_set_local_async:
 * @self: a #GIsleDebugger
 * @frame: a frame number, 0 for the innermost
 * @name: the name of a local variable or upvalue
 * @value: the new value; if it is floating, it is consumed
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called in the thread-default context with the
 *   answer
 * @user_data: data for @callback
 *
 * Sets a local variable of a frame, as g_isle_debugger_set_local().
 */
void
g_isle_debugger_set_local_async (GIsleDebugger       *self,
                                 guint                frame,
                                 const char          *name,
                                 GVariant            *value,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GisleDebugRequest *request;

  g_return_if_fail (G_IS_ISLE_DEBUGGER (self));
  g_return_if_fail (name != NULL);
  g_return_if_fail (value != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  request = gisle_debug_request_new (self, GISLE_DEBUG_REQ_SET_LOCAL, frame);
  request->text = g_strdup (name);
  request->value = g_variant_ref_sink (value);
  gisle_debug_ask_async (self, request, cancellable, callback, user_data,
                         g_isle_debugger_set_local_async);
}

/**
 * g_isle_debugger_set_local_finish:
 * @self: a #GIsleDebugger
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes g_isle_debugger_set_local_async().
 *
 * Returns: %TRUE on success; %FALSE with @error set
 */
gboolean
g_isle_debugger_set_local_finish (GIsleDebugger  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (G_IS_ISLE_DEBUGGER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == g_isle_debugger_set_local_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Signals, in the isle's main context ------------------------------------ */

typedef struct
{
  GisleWorker *worker;           /* strong: keeps the core */
  GisleDebugCore *core;
  guint serial;
  gboolean paused;
  GIslePauseReason reason;
  char *chunk;
  int line;
  char *message;
} GisleDebugEvent;

static void
gisle_debug_event_free (gpointer data)
{
  GisleDebugEvent *event = data;

  g_free (event->chunk);
  g_free (event->message);
  gisle_worker_unref (event->worker);
  g_free (event);
}

static gboolean
gisle_debug_event_deliver (gpointer data)
{
  GisleDebugEvent *event = data;
  GisleDebugCore *core = event->core;
  g_autoptr(GIsleDebugger) self = NULL;

  /* Only to the debugger attached when it happened, if still attached. */
  gisle_mutex_lock (&core->lock);
  if (core->attached && (guint) g_atomic_int_get (&core->serial) == event->serial)
    self = g_weak_ref_get (&core->object);
  gisle_mutex_unlock (&core->lock);
  if (self == NULL)
    return G_SOURCE_REMOVE;

  if (event->paused)
    g_signal_emit (self, signals[SIGNAL_PAUSED], 0, event->reason, event->chunk,
                   event->line, event->message);
  else
    g_signal_emit (self, signals[SIGNAL_RESUMED], 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
  return G_SOURCE_REMOVE;
}

/* Worker thread: queues ::paused for the isle's main context. */
static void
gisle_debugger_emit_paused (GisleDebugCore   *core,
                            guint             serial,
                            GIslePauseReason  reason,
                            const char       *chunk,
                            int               line,
                            const char       *message)
{
  GisleDebugEvent *event = g_new0 (GisleDebugEvent, 1);

  event->worker = gisle_worker_ref (core->worker);
  event->core = core;
  event->serial = serial;
  event->paused = TRUE;
  event->reason = reason;
  event->chunk = g_utf8_make_valid (chunk != NULL ? chunk : "", -1);
  event->line = line;
  event->message = message != NULL ? g_utf8_make_valid (message, -1) : NULL;
  gisle_dispatch_invoke (core->worker, gisle_debug_event_deliver, event, gisle_debug_event_free);
}

/* Worker thread: queues ::resumed for the isle's main context. */
static void
gisle_debugger_emit_resumed (GisleDebugCore *core,
                             guint           serial)
{
  GisleDebugEvent *event = g_new0 (GisleDebugEvent, 1);

  event->worker = gisle_worker_ref (core->worker);
  event->core = core;
  event->serial = serial;
  gisle_dispatch_invoke (core->worker, gisle_debug_event_deliver, event, gisle_debug_event_free);
}
