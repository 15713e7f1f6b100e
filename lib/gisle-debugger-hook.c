/* gisle-debugger-hook.c: the debugger's worker side: its Lua hook, the
 * pause, and the answers to questions asked while paused.
 *
 * Floor 16 (the debugger's worker side): above the cancel mechanism
 * (gisle-cancel.c), which installs this hook through its registration
 * point (GisleRunHooks) and never calls up here otherwise, the cancel
 * policy (the paused job's clock) and the frame reader
 * (gisle-debugger-values.c); below the public object (gisle-debugger.c),
 * which it reaches through the GisleDebugSink that object registers.
 *
 * Thread rule: everything here runs on the worker thread but
 * gisle_debug_wanted(), which the signal handler may call (one atomic read
 * each: async-signal-safe). The worker pauses inside the hook, waiting on
 * worker->work_cond under worker->lock, so whatever ends a pause (resume,
 * step, detach, cancel, close) only has to change state under that lock
 * and broadcast: cancel and close did already.
 *
 * The hook's cost: while breakpoints exist it has the call and return
 * events, and the line event only while the running function's chunk has
 * breakpoints (the call and return events switch it). A step or a pause
 * request turns the line event on everywhere until it is done.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-debug-core-private.h"
#include "gisle-debugger-hook-private.h"
#include "gisle-debugger-values-private.h"
#include "gisle-cancel-private.h"
#include "gisle-i18n-private.h"
#include "gisle-value-private.h"
#include "gisle-worker-cancel-private.h"
#include "gisle-job-private.h"
#include "gisle-worker-private.h"

#include <stdatomic.h>
#include <string.h>
#include <lauxlib.h>

#define GISLE_DEBUG_BASE_MASK (LUA_MASKCALL | LUA_MASKRET)
#define GISLE_DEBUG_FULL_MASK (LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE)

/* Chunks with a source longer than this are code, never a breakpoint's
 * chunk name: not worth hashing at every call. */
#define GISLE_DEBUG_MAX_CHUNK_NAME 512

static void gisle_debug_hook (lua_State *L, lua_Debug *ar);

/* ---- Registration ------------------------------------------------------- */

/* Async-signal-safe. */
static gboolean
gisle_debug_wanted (gpointer data)
{
  GisleDebugCore *core = data;

  return g_atomic_int_get (&core->attached_flag) &&
         (g_atomic_int_get (&core->n_breakpoints) > 0 ||
          g_atomic_int_get (&core->pause_requested) ||
          g_atomic_int_get (&core->stepping));
}

static void
gisle_debug_leave (gpointer data)
{
  GisleDebugCore *core = data;

  /* A step does not outlive its job; the states may be gone. */
  core->step = GISLE_DEBUG_RUN;
  core->step_L = NULL;
  g_atomic_int_set (&core->stepping, 0);
  core->cache_L = NULL;
  core->cache_ci = NULL;
  core->cache_source = NULL;
  core->caller_L = NULL;
}

static void gisle_debug_error (gpointer   data,
                               lua_State *L);
static void gisle_debug_set_release (GisleBreakpointSet *set);

static void
gisle_debug_core_free (gpointer data)
{
  GisleDebugCore *core = data;

  g_assert (g_queue_is_empty (&core->requests));
  g_weak_ref_clear (&core->object);
  g_ptr_array_unref (core->breakpoints);
  if (core->set != NULL)
    gisle_debug_set_release (core->set);
  if (core->cache_set != NULL)
    gisle_debug_set_release (core->cache_set);
  g_free (core->cache_source_copy);
  g_clear_pointer (&core->frames, g_array_unref);
  g_mutex_clear (&core->lock);
  g_cond_clear (&core->cond);
  g_free (core);
}

const GisleRunHooks gisle_debug_run_hooks = {
  .hook = gisle_debug_hook,
  .mask = GISLE_DEBUG_FULL_MASK,
  .wanted = gisle_debug_wanted,
  .leave = gisle_debug_leave,
  .error = gisle_debug_error,
  .release = gisle_debug_core_free,
};

void
gisle_breakpoint_set_free (gpointer data)
{
  GisleBreakpointSet *set = data;

  g_hash_table_unref (set->by_chunk);
}

static void
gisle_debug_set_release (GisleBreakpointSet *set)
{
  g_atomic_rc_box_release_full (set, gisle_breakpoint_set_free);
}

void
gisle_breakpoint_free (gpointer data)
{
  GisleBreakpoint *bp = data;

  g_free (bp->chunk);
  g_free (bp->condition);
  g_free (bp);
}

GisleDebugCore *
gisle_debug_core_new (GisleWorker          *worker,
                      const GisleDebugSink *sink)
{
  GisleDebugCore *core = g_new0 (GisleDebugCore, 1);

  core->worker = worker;
  core->sink = sink;
  g_mutex_init (&core->lock);
  g_cond_init (&core->cond);
  g_weak_ref_init (&core->object, NULL);
  core->breakpoints = g_ptr_array_new_with_free_func (gisle_breakpoint_free);
  g_queue_init (&core->requests);
  core->state = GISLE_DEBUG_RUN;
  core->step = GISLE_DEBUG_RUN;
  core->max_depth = GISLE_DEBUG_DEFAULT_DEPTH;
  core->frames = g_array_new (FALSE, TRUE, sizeof (GisleDebugFrame));
  return core;
}

/* ---- Which breakpoints apply where -------------------------------------- */

/* Takes the latest snapshot of the breakpoints if they changed. */
static void
gisle_debug_refresh (GisleDebugCore *core)
{
  gint generation = g_atomic_int_get (&core->generation);

  if (generation == core->cache_generation && core->cache_set != NULL)
    return;
  gisle_mutex_lock (&core->lock);
  if (core->cache_set != NULL)
    gisle_debug_set_release (core->cache_set);
  core->cache_set = core->set != NULL ? g_atomic_rc_box_acquire (core->set) : NULL;
  core->cache_generation = g_atomic_int_get (&core->generation);
  gisle_mutex_unlock (&core->lock);
  core->cache_source = NULL;
  core->cache_L = NULL;
  core->caller_L = NULL;
}

/* The breakpoints of the chunk @source, or NULL. The last answer is kept
 * by the source's address (a call-heavy loop stays in one chunk), checked
 * against a copy of the text in case the address was reused. */
static GPtrArray *
gisle_debug_lines_for_source (GisleDebugCore *core,
                              const char     *source,
                              size_t          srclen)
{
  const char *key;

  if (core->cache_set == NULL || core->cache_set->count == 0 ||
      srclen > GISLE_DEBUG_MAX_CHUNK_NAME)
    return NULL;
  if (source == core->cache_source && strcmp (source, core->cache_source_copy) == 0)
    return core->cache_source_lines;

  key = source[0] == '=' || source[0] == '@' ? source + 1 : source;
  core->cache_source = source;
  g_free (core->cache_source_copy);
  core->cache_source_copy = g_strdup (source);
  core->cache_source_lines = g_hash_table_lookup (core->cache_set->by_chunk, key);
  return core->cache_source_lines;
}

/* The breakpoints of the function at @level of @L, remembered as the ones
 * of @L's running function when @level is what runs (or will, after a
 * return). */
static GPtrArray *
gisle_debug_lines_of (GisleDebugCore *core,
                      lua_State      *L,
                      lua_Debug      *ar)
{
  GPtrArray *lines = NULL;

  if (lua_getinfo (L, "S", ar))
    lines = gisle_debug_lines_for_source (core, ar->source, ar->srclen);
  core->cache_L = L;
  /* i_ci is lua_Debug's "active function" field: tells frames apart, even
   * after an error unwound some without a return event. */
  core->cache_ci = ar->i_ci;
  core->cache_lines = lines;
  return lines;
}

static GPtrArray *
gisle_debug_lines_at (GisleDebugCore *core,
                      lua_State      *L,
                      int             level)
{
  lua_Debug ar = { 0, };

  if (!lua_getstack (L, level, &ar))
    {
      core->cache_L = L;
      core->cache_ci = NULL;
      core->cache_lines = NULL;
      return NULL;
    }
  return gisle_debug_lines_of (core, L, &ar);
}

/* At a return event: the breakpoints of the caller. When the returning
 * function called nothing since it was called, the caller is the frame
 * cached at that call: one lua_getstack and no lua_getinfo. */
static GPtrArray *
gisle_debug_lines_returned_to (GisleDebugCore *core,
                               lua_State      *L,
                               lua_Debug      *ar)
{
  lua_Debug caller = { 0, };

  if (!lua_getstack (L, 1, &caller))
    {
      core->cache_L = L;
      core->cache_ci = NULL;
      core->cache_lines = NULL;
      return NULL;
    }
  if (core->cache_L == L && core->cache_ci == ar->i_ci &&
      core->caller_L == L && core->caller_ci == caller.i_ci)
    {
      core->cache_ci = core->caller_ci;
      core->cache_lines = core->caller_lines;
      return core->cache_lines;
    }
  return gisle_debug_lines_of (core, L, &caller);
}

/* Sets @L's mask for a function with or without breakpoints. A count
 * event armed by a step that returned is kept until it fires. */
static void
gisle_debug_set_mask (GisleDebugCore *core,
                      lua_State      *L,
                      gboolean        lines)
{
  gboolean all = g_atomic_int_get (&core->stepping) || g_atomic_int_get (&core->pause_requested);
  int mask = lines || all ? GISLE_DEBUG_FULL_MASK : GISLE_DEBUG_BASE_MASK;

  if (all && (lua_gethookmask (L) & LUA_MASKCOUNT))
    mask |= LUA_MASKCOUNT;

  if (lua_gethookmask (L) != mask)
    gisle_cancel_set_hook (L, gisle_debug_hook, mask);
}

/* ---- Frames -------------------------------------------------------------- */

static int
gisle_debug_depth (lua_State *L)
{
  lua_Debug ar;
  int depth = 0;

  while (lua_getstack (L, depth, &ar))
    depth++;
  return depth;
}

/* The frames of the paused job, innermost first: @L from @base, then each
 * coroutine that resumed it. */
static void
gisle_debug_collect_frames (GisleDebugCore *core,
                            GisleRun       *run,
                            lua_State      *L,
                            int             base)
{
  int depth = gisle_cancel_run_get_depth (run);
  GisleJobSuspend *suspend = gisle_cancel_run_get_suspend (run);
  lua_Debug ar;

  g_array_set_size (core->frames, 0);
  for (int i = depth - 1; i >= 0; i--)
    {
      lua_State *S = gisle_cancel_run_get_state (run, i);
      int level = 0;
      int end = G_MAXINT;

      if (S == L)
        level = base;
      else if (i == depth - 1)
        continue;
      /* The job's own coroutine has GIsle's C frame (gisle-job.c) under
       * the script's code: not the script's, so not shown. */
      if (suspend != NULL && S == suspend->co)
        end = gisle_debug_depth (S) - 1;
      for (; level < end && lua_getstack (S, level, &ar); level++)
        {
          GisleDebugFrame frame = { S, ar, (guint) i };

          g_array_append_val (core->frames, frame);
        }
    }
}

/* The chunk and line of the innermost frame that has a line. */
static void
gisle_debug_where (GisleDebugCore  *core,
                   char           **chunk,
                   int             *line)
{
  *chunk = NULL;
  *line = -1;
  for (guint i = 0; i < core->frames->len; i++)
    {
      GisleDebugFrame *frame = &g_array_index (core->frames, GisleDebugFrame, i);
      lua_Debug ar = frame->ar;

      if (lua_getinfo (frame->L, "Sl", &ar) &&
          ar.currentline >= 0)
        {
          *chunk = g_strdup (ar.short_src);
          *line = ar.currentline;
          return;
        }
    }
}

/* ---- Answering questions -------------------------------------------------- */

typedef struct
{
  GisleDebugCore *core;
  GisleDebugRequest *request;
  const GisleDebugFrame *frame;
} GisleDebugServe;

static const char gisle_debug_thread_key = 't';

/* Pushes the coroutine the debugger runs code in: the last one, if it
 * ended well and can start another function, or a new one. */
static lua_State *
gisle_debug_push_thread (lua_State *L)
{
  lua_State *co;
  lua_Debug ar;

  if (lua_rawgetp (L, LUA_REGISTRYINDEX, &gisle_debug_thread_key) == LUA_TTHREAD)
    {
      co = lua_tothread (L, -1);
      if (lua_status (co) == LUA_OK && lua_gettop (co) == 0 && !lua_getstack (co, 0, &ar))
        return co;
    }
  lua_pop (L, 1);
  co = lua_newthread (L);
  lua_pushvalue (L, -1);
  lua_rawsetp (L, LUA_REGISTRYINDEX, &gisle_debug_thread_key);
  return co;
}

/* Runs debugger code (a question's or a condition's) in @frame, in a
 * coroutine: @L is in a hook, where Lua runs nothing hooked, so code run
 * there could not be cancelled. The coroutine is on the run's resume
 * stack, so Stop reaches it. Expects the function on top of @L; leaves its
 * first result (or the error) there. Returns the status. */
static int
gisle_debug_run_code (GisleDebugCore        *core,
                      lua_State             *L,
                      const GisleDebugFrame *frame)
{
  lua_State *co = gisle_debug_push_thread (L);
  int depth, status, nres = 0;

  lua_sethook (co, NULL, 0, 0);         /* as the last run or @L left it */
  lua_insert (L, -2);
  lua_xmove (L, co, 1);
  depth = gisle_cancel_push_state (co);
  core->eval_frame = frame;
  status = lua_resume (co, L, 0, &nres);
  core->eval_frame = NULL;
  if (depth >= 0)
    gisle_cancel_pop_state (depth);
  if (status == LUA_YIELD)
    {
      lua_pop (L, 1);
      lua_pushliteral (L, "the code tried to yield");
      return LUA_ERRRUN;
    }
  if (status == LUA_OK)
    {
      if (nres == 0)
        lua_pushnil (co);
      else
        lua_settop (co, 1);
    }
  lua_xmove (co, L, 1);
  lua_remove (L, -2);                   /* the coroutine */
  return status;
}

static const GisleDebugFrame *
gisle_debug_frame (GisleDebugCore *core,
                   guint           n)
{
  return n < core->frames->len ? &g_array_index (core->frames, GisleDebugFrame, n) : NULL;
}

static int
gisle_debug_serve_protected (lua_State *L)
{
  GisleDebugServe *serve = lua_touserdata (L, 1);
  GisleDebugRequest *request = serve->request;
  int status;

  lua_settop (L, 0);
  switch (request->kind)
    {
    case GISLE_DEBUG_REQ_STACK:
      request->result = gisle_debug_stack (serve->core);
      break;

    case GISLE_DEBUG_REQ_VARIABLES:
      request->result = gisle_debug_variables (L, serve->frame, request->max_depth);
      break;

    case GISLE_DEBUG_REQ_EVALUATE:
      if (!gisle_debug_compile (serve->core, L, request->text))
        {
          request->error = g_error_new (G_ISLE_ERROR, G_ISLE_ERROR_SYNTAX, "%s",
                                        lua_tostring (L, -1));
          break;
        }
      status = gisle_debug_run_code (serve->core, L, serve->frame);
      if (status != LUA_OK)
        {
          const char *message = lua_tostring (L, -1);

          request->error = g_error_new (G_ISLE_ERROR,
                                        status == LUA_ERRMEM ? G_ISLE_ERROR_MEMORY : G_ISLE_ERROR_RUNTIME,
                                        "%s", message != NULL ? message : _("The expression raised an error that is not a string"));
          break;
        }
      request->result = gisle_debug_value (L, -1, request->max_depth);
      break;

    case GISLE_DEBUG_REQ_SET_LOCAL:
      {
        GError *error = NULL;

        if (!gisle_value_push (L, request->value, "the value", &error))
          request->error = error;
        else if (!gisle_debug_set_local (L, serve->frame, request->text, &request->error))
          ;
        else
          request->result = g_variant_ref_sink (g_variant_new_boolean (TRUE));
      }
      break;

    default:
      g_assert_not_reached ();
    }
  return 0;
}

static void
gisle_debug_serve (GisleDebugCore    *core,
                   lua_State         *L,
                   GisleDebugRequest *request)
{
  GisleDebugServe serve = { core, request, NULL };
  int status;

  if (request->kind != GISLE_DEBUG_REQ_STACK)
    {
      serve.frame = gisle_debug_frame (core, request->frame);
      if (serve.frame == NULL)
        {
          request->error = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                        _("The paused job has no frame %u (it has %u)"),
                                        request->frame, core->frames->len);
          return;
        }
    }

  core->in_eval = TRUE;
  lua_pushcfunction (L, gisle_debug_serve_protected);
  lua_pushlightuserdata (L, &serve);
  status = lua_pcall (L, 1, 0, 0);
  core->in_eval = FALSE;
  if (status != LUA_OK)
    {
      g_clear_pointer (&request->result, g_variant_unref);
      if (request->error == NULL)
        request->error = g_error_new (G_ISLE_ERROR,
                                      status == LUA_ERRMEM ? G_ISLE_ERROR_MEMORY : G_ISLE_ERROR_FAILED,
                                      "%s", lua_tostring (L, -1) != NULL ? lua_tostring (L, -1)
                                                                         : _("The question failed with an error that is not a string"));
      lua_pop (L, 1);
    }
}

/* ---- The pause ------------------------------------------------------------ */

/* Under worker->lock. Closing the isle cancels its running job right
 * after it sets worker->closing: the pause waits for that cancel, or the
 * job would run on for a moment and might even succeed. */
static gboolean
gisle_debug_job_stopping (GisleWorker *worker,
                          GisleJob    *job)
{
  return gisle_job_cancel_phase (job) != GISLE_CANCEL_NONE || gisle_worker_is_defunct_locked (worker);
}

/* Pauses the job running @L until told to go on, answering questions
 * meanwhile. @base is the level of @L's innermost frame to show. Returns
 * at once when the job is cancelled or the isle closes, then or later. */
static void
gisle_debug_pause (GisleDebugCore   *core,
                   GisleRun         *run,
                   lua_State        *L,
                   int               base,
                   GIslePauseReason  reason,
                   const char       *message)
{
  GisleWorker *worker = core->worker;
  GisleJob *job = gisle_cancel_run_get_suspend (run)->job;
  GisleDebugState command = GISLE_DEBUG_RESUME;
  g_autofree char *chunk = NULL;
  GQueue unanswered = G_QUEUE_INIT;
  gint64 remaining = -1;
  guint serial;
  int line;

  g_atomic_int_set (&core->pause_requested, 0);
  core->step = GISLE_DEBUG_RUN;
  g_atomic_int_set (&core->stepping, 0);

  gisle_mutex_lock (gisle_owner_get_lock (worker));
  if (gisle_debug_job_stopping (worker, job) || !g_atomic_int_get (&core->attached_flag))
    {
      gisle_mutex_unlock (gisle_owner_get_lock (worker));
      return;
    }
  core->state = GISLE_DEBUG_PAUSED;
  /* Paused time is not the job's: its time limit stops meanwhile. */
  gisle_cancel_pause_clock_locked (job, &remaining);
  gisle_mutex_unlock (gisle_owner_get_lock (worker));

  serial = (guint) g_atomic_int_get (&core->serial);
  gisle_debug_collect_frames (core, run, L, base);
  gisle_debug_where (core, &chunk, &line);
  core->sink->paused (core, serial, reason, chunk, line, message);

  for (;;)
    {
      GList *link;

      gisle_mutex_lock (gisle_owner_get_lock (worker));
      while (core->state == GISLE_DEBUG_PAUSED && g_queue_is_empty (&core->requests) &&
             !gisle_debug_job_stopping (worker, job))
        gisle_cond_wait (gisle_owner_get_wake (worker), gisle_owner_get_lock (worker));
      if (core->state != GISLE_DEBUG_PAUSED || gisle_debug_job_stopping (worker, job))
        {
          if (core->state != GISLE_DEBUG_PAUSED)
            command = core->state;
          core->state = GISLE_DEBUG_RUN;
          unanswered = core->requests;
          g_queue_init (&core->requests);
          gisle_cancel_resume_clock_locked (job, remaining);
          gisle_mutex_unlock (gisle_owner_get_lock (worker));
          break;
        }
      link = g_queue_pop_head_link (&core->requests);
      gisle_mutex_unlock (gisle_owner_get_lock (worker));

      gisle_debug_serve (core, L, link->data);
      core->sink->complete (core, link->data);
    }

  for (GList *l = unanswered.head, *next; l != NULL; l = next)
    {
      GisleDebugRequest *request = l->data;

      next = l->next;
      request->error = g_error_new_literal (G_ISLE_ERROR, G_ISLE_ERROR_NOT_PAUSED,
                                            _("The job went on before the question was answered"));
      core->sink->complete (core, request);
    }
  core->sink->resumed (core, serial);

  /* A step, unless the job was stopped or the debugger detached. */
  if (command != GISLE_DEBUG_RESUME && g_atomic_int_get (&core->attached_flag) &&
      gisle_job_cancel_phase (job) == GISLE_CANCEL_NONE)
    {
      core->step = command;
      core->step_L = L;
      core->step_depth = gisle_debug_depth (L) - base;
      g_atomic_int_set (&core->stepping, 1);
    }
  g_array_set_size (core->frames, 0);
  core->cache_L = NULL;
  core->caller_L = NULL;
}

/* ---- Steps ------------------------------------------------------------------ */

static gboolean
gisle_debug_on_run_stack (GisleRun  *run,
                          lua_State *L)
{
  for (int i = 0; i < gisle_cancel_run_get_depth (run); i++)
    if (gisle_cancel_run_get_state (run, i) == L)
      return TRUE;
  return FALSE;
}

/* At a line event of @L: whether the pending step ends here. */
static gboolean
gisle_debug_step_done (GisleDebugCore *core,
                       GisleRun       *run,
                       lua_State      *L)
{
  int depth;

  if (core->step == GISLE_DEBUG_STEP_INTO)
    return TRUE;
  if (L != core->step_L)
    /* The stepped coroutine yielded or ended: stop in whoever goes on. */
    return !gisle_debug_on_run_stack (run, core->step_L);
  depth = gisle_debug_depth (L);
  if (core->step == GISLE_DEBUG_STEP_OVER)
    return depth <= core->step_depth;
  return depth < core->step_depth;
}

/* At a return event of @L: when the stepped function itself returns, a
 * step over or out ends in its caller, at the caller's next instruction
 * (or the resumer's, when it was a coroutine's body), not at the caller's
 * next new line. */
static void
gisle_debug_step_return (GisleDebugCore *core,
                         GisleRun       *run,
                         lua_State      *L)
{
  lua_State *next = L;

  if ((core->step != GISLE_DEBUG_STEP_OVER && core->step != GISLE_DEBUG_STEP_OUT) ||
      L != core->step_L || gisle_debug_depth (L) > core->step_depth)
    return;
  if (core->step_depth <= 1 && gisle_cancel_run_get_depth (run) >= 2 &&
      gisle_cancel_run_get_state (run, gisle_cancel_run_get_depth (run) - 1) == L)
    next = gisle_cancel_run_get_state (run, gisle_cancel_run_get_depth (run) - 2);
  gisle_cancel_set_hook (next, gisle_debug_hook, GISLE_DEBUG_FULL_MASK | LUA_MASKCOUNT);
}

/* ---- Conditions --------------------------------------------------------------- */

typedef struct
{
  GisleDebugCore *core;
  const GisleDebugFrame *frame;
  const GisleBreakpoint *bp;
  gboolean result;
} GisleDebugCondition;

/* The compiled conditions, by breakpoint id, for one generation of the
 * breakpoints: compiling costs far more than running. */
static const char gisle_debug_conditions_key = 'k';

static int
gisle_debug_condition_protected (lua_State *L)
{
  GisleDebugCondition *cond = lua_touserdata (L, 1);
  lua_Integer generation = cond->core->cache_generation;

  lua_settop (L, 0);
  if (lua_rawgetp (L, LUA_REGISTRYINDEX, &gisle_debug_conditions_key) != LUA_TTABLE ||
      lua_getfield (L, 1, "generation") != LUA_TNUMBER ||
      lua_tointeger (L, -1) != generation)
    {
      lua_settop (L, 0);
      lua_createtable (L, 0, 1);
      lua_pushinteger (L, generation);
      lua_setfield (L, 1, "generation");
      lua_pushvalue (L, 1);
      lua_rawsetp (L, LUA_REGISTRYINDEX, &gisle_debug_conditions_key);
    }
  lua_settop (L, 1);
  if (lua_rawgeti (L, 1, cond->bp->id) != LUA_TFUNCTION)
    {
      lua_pop (L, 1);
      if (!gisle_debug_compile (cond->core, L, cond->bp->condition))
        return lua_error (L);
      lua_pushvalue (L, -1);
      lua_rawseti (L, 1, cond->bp->id);
    }
  if (gisle_debug_run_code (cond->core, L, cond->frame) != LUA_OK)
    return lua_error (L);
  cond->result = lua_toboolean (L, -1);
  return 0;
}

/* Evaluates a breakpoint's condition in @L's running frame: TRUE if it
 * holds; FALSE; or FALSE with *@message set if it failed. */
static gboolean
gisle_debug_condition (GisleDebugCore         *core,
                       lua_State              *L,
                       const GisleBreakpoint  *bp,
                       char                  **message)
{
  GisleDebugFrame frame = { L, { 0, }, 0 };
  GisleDebugCondition cond = { core, &frame, bp, FALSE };
  const char *condition = bp->condition;
  int status;

  if (!lua_getstack (L, 0, &frame.ar))
    return FALSE;
  core->in_eval = TRUE;
  lua_pushcfunction (L, gisle_debug_condition_protected);
  lua_pushlightuserdata (L, &cond);
  status = lua_pcall (L, 1, 0, 0);
  core->in_eval = FALSE;
  if (status != LUA_OK)
    {
      const char *text = lua_tostring (L, -1);

      *message = g_strdup_printf (_("The breakpoint’s condition “%s” failed: %s"), condition,
                                  text != NULL ? text : _("an error that is not a string"));
      lua_pop (L, 1);
      return FALSE;
    }
  return cond.result;
}

/* ---- The hook ------------------------------------------------------------------ */

static void
gisle_debug_line (GisleDebugCore *core,
                  GisleRun       *run,
                  lua_State      *L,
                  lua_Debug      *ar)
{
  GPtrArray *lines;

  if (g_atomic_int_get (&core->pause_requested))
    {
      gisle_debug_pause (core, run, L, 0, G_ISLE_PAUSE_REASON_REQUEST, NULL);
      return;
    }
  if (core->step != GISLE_DEBUG_RUN && gisle_debug_step_done (core, run, L))
    {
      gisle_debug_pause (core, run, L, 0, G_ISLE_PAUSE_REASON_STEP, NULL);
      return;
    }

  if (L == core->cache_L && ar->i_ci == core->cache_ci)
    lines = core->cache_lines;
  else
    {
      lines = gisle_debug_lines_at (core, L, 0);
      gisle_debug_set_mask (core, L, lines != NULL);
    }
  if (lines == NULL)
    return;

  for (guint i = 0; i < lines->len; i++)
    {
      GisleBreakpoint *bp = lines->pdata[i];
      g_autofree char *message = NULL;

      if ((int) bp->line < ar->currentline)
        continue;
      if ((int) bp->line > ar->currentline)
        break;
      if (bp->condition == NULL)
        {
          gisle_debug_pause (core, run, L, 0, G_ISLE_PAUSE_REASON_BREAKPOINT, NULL);
          return;
        }
      if (gisle_debug_condition (core, L, bp, &message))
        {
          gisle_debug_pause (core, run, L, 0, G_ISLE_PAUSE_REASON_BREAKPOINT, NULL);
          return;
        }
      if (message != NULL)
        {
          gisle_debug_pause (core, run, L, 0, G_ISLE_PAUSE_REASON_CONDITION_ERROR, message);
          return;
        }
    }
}

static void
gisle_debug_hook (lua_State *L,
                  lua_Debug *ar)
{
  GisleRun *run = gisle_cancel_get_run ();
  GisleDebugCore *core;

  if (run == NULL || gisle_cancel_run_get_cancel (run) == NULL)
    {
      lua_sethook (L, NULL, 0, 0);
      return;
    }
  core = gisle_cancel_run_get_hooks_data (run);
  /* Code the debugger itself runs is not debugged. */
  if (core->in_eval)
    return;

  gisle_cancel_run_set_in_hooks (run, TRUE);

  if (gisle_cancel_state_get_phase (gisle_cancel_run_get_cancel (run)) != GISLE_CANCEL_NONE ||
      !gisle_debug_wanted (core))
    /* The cancel's hook, if any, takes over; or none at all. */
    gisle_cancel_set_hook (L, NULL, 0);
  else
    {
      gisle_debug_refresh (core);
      switch (ar->event)
        {
        case LUA_HOOKCALL:
          /* What runs now is the caller, if the cache is right: kept for
           * the return of a callee that calls nothing (a C function). */
          core->caller_L = core->cache_L;
          core->caller_ci = core->cache_ci;
          core->caller_lines = core->cache_lines;
          G_GNUC_FALLTHROUGH;
        case LUA_HOOKTAILCALL:
          /* The hook's own record is the called function's. */
          gisle_debug_set_mask (core, L, gisle_debug_lines_of (core, L, ar) != NULL);
          break;
        case LUA_HOOKRET:
          /* The caller's breakpoints, where the function returns to. */
          gisle_debug_set_mask (core, L, gisle_debug_lines_returned_to (core, L, ar) != NULL);
          gisle_debug_step_return (core, run, L);
          break;
        case LUA_HOOKLINE:
          gisle_debug_line (core, run, L, ar);
          break;
        case LUA_HOOKCOUNT:
          /* Armed by a step that returned: the caller's next instruction,
           * which is no new line when it finishes the calling line. */
          gisle_cancel_set_hook (L, gisle_debug_hook, GISLE_DEBUG_FULL_MASK);
          gisle_debug_set_mask (core, L, gisle_debug_lines_at (core, L, 0) != NULL);
          if (core->step != GISLE_DEBUG_RUN && gisle_debug_step_done (core, run, L))
            gisle_debug_pause (core, run, L, 0, G_ISLE_PAUSE_REASON_STEP, NULL);
          break;
        default:
          break;
        }
    }

  gisle_cancel_run_set_in_hooks (run, FALSE);
  /* A pause asked for while the hook ran found nothing to arm. */
  if (g_atomic_int_get (&core->pause_requested) && lua_gethook (L) == gisle_debug_hook &&
      lua_gethookmask (L) != GISLE_DEBUG_FULL_MASK)
    gisle_cancel_set_hook (L, gisle_debug_hook, GISLE_DEBUG_FULL_MASK);
}

/* An error nothing caught, from the job's message handler: level 0 is the
 * handler itself. */
static void
gisle_debug_error (gpointer   data,
                   lua_State *L)
{
  GisleDebugCore *core = data;
  GisleRun *run = gisle_cancel_get_run ();
  const char *message;

  if (run == NULL || gisle_cancel_run_get_cancel (run) == NULL || core->in_eval ||
      !g_atomic_int_get (&core->attached_flag) || !g_atomic_int_get (&core->pause_on_error))
    return;
  message = lua_tostring (L, 1);
  if (message == NULL)
    message = luaL_typename (L, 1);
  gisle_debug_refresh (core);
  gisle_debug_pause (core, run, L, 1, G_ISLE_PAUSE_REASON_ERROR, message);
}
