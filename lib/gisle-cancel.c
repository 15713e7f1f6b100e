/* gisle-cancel.c: stopping a running script, at no cost until it is asked.
 *
 * Floor 4 (the Lua side of cancelling): signal handler, hook, sentinel,
 * coroutine wrappers, the per-run record (GisleRun, one per worker, which
 * holds it) and each job's cancel state (GisleCancelState, held by the
 * job), both defined here so that the signal handler reads nothing of
 * the floors above; it decides nothing. Who cancels
 * what and when (requests, time limits, grace, hard deadline, defunct) is
 * the worker's policy, in gisle-worker-cancel.c. A sampler (the profiler)
 * registers its hook here, and the debugger its GisleRunHooks per isle;
 * this floor calls no file above it.
 *
 * Thread rule: everything that touches a lua_State runs on the worker
 * thread, the signal handler included; gisle_cancel_signal_thread() may be
 * called from any thread.
 *
 * How it works (docs/cancellation.md has the long version):
 *
 * - While nothing is cancelled no hook is installed, so Lua runs at full
 *   speed (any count hook makes every instruction slower).
 * - To cancel, the canceller marks the job and sends GISLE_CANCEL_SIGNAL to
 *   the worker thread. The handler runs on the worker thread itself and
 *   installs the hook there, as lua.c does from its SIGINT handler:
 *   lua_sethook is documented as safe to call from a signal handler, and
 *   because it runs on the thread that owns the state there is no data
 *   race (calling it from the cancelling thread would race with the
 *   interpreter walking the same CallInfo list).
 * - The hook first raises one catchable error (SOFT) so that <close>
 *   variables, pcall cleanups and on-cancel code can run. After the grace
 *   period the job turns HARD: the hook fires on every instruction, call
 *   and return of every coroutine on the resume stack and of every
 *   coroutine resumed later, so `while true do pcall(f) end` cannot
 *   swallow it. xpcall message handlers are skipped once cancelled: Lua
 *   runs them with hooks disabled, so a looping handler would be immune.
 * - During the grace period a rare count hook watches the clock, so the
 *   worker turns the job HARD itself as soon as the period is over, within
 *   microseconds, instead of waiting for the watchdog thread to wake up
 *   (GLib timers have millisecond resolution and a busy machine wakes a
 *   sleeping thread late). The watchdog stays as the backstop for code
 *   that runs no Lua instructions.
 * - The job's outcome is decided by its phase flag, never by matching an
 *   error message, and the error object is a sentinel compared by identity.
 * - What no hook can reach (a long C call, a looping __gc) is handled by
 *   the hard deadline: the watchdog completes the job with
 *   G_ISLE_ERROR_DEFUNCT and abandons the thread (gisle-worker.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* pthread_sigqueue() */
#define _GNU_SOURCE
#include "gisle-private.h"
#include "gisle-cancel-private.h"
#include "gisle-debug-hook-private.h"

#include <errno.h>
#include <stdatomic.h>
#include <lauxlib.h>
#include <lualib.h>

/* SIGURG is ignored by default, so a stray one harms nothing, and GLib,
 * GTK and Lua do not use it. Another handler, if any, is chained. */
#define GISLE_CANCEL_SIGNAL SIGURG

#define GISLE_HOOK_MASK (LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT)

/* During the grace period: a clock check every this many instructions,
 * a few microseconds of Lua, at a cost the cleanup code barely feels. */
#define GISLE_GRACE_HOOK_COUNT 1000

/* What the cancellation signal handler needs, reachable from a
 * thread-local pointer on the worker thread: one per worker, which holds
 * it. Written only by the worker thread itself; the handler interrupts
 * that same thread, so plain volatile access with signal fences is
 * enough. */
struct _GisleRun
{
  GisleCancelState *volatile cancel;  /* the running job's */
  /* The running job's coroutines (gisle-suspend.c's record, embedded in
   * the job): the hook yields a hard-cancelled job out of its own
   * coroutine, and notes where the soft cancel was raised. */
  GisleJobSuspend *suspend;
  lua_State *volatile stack[GISLE_MAX_RESUME_DEPTH];
  volatile int depth;
  volatile int sampling;         /* in the sampler's hook */
  volatile int in_hooks;         /* in the registered hook (the debugger's) */
  /* Registered hooks (the debugger), or NULL; set once, atomic. */
  const GisleRunHooks *hooks;
  gpointer hooks_data;
  /* The sampler's: what it samples for this worker (the profile, read
   * lock-free as a job enters Lua) and its own per-thread data. */
  gpointer sampled;
  gpointer sampler_data;
};

GisleRun *
gisle_cancel_run_new (void)
{
  return g_new0 (GisleRun, 1);
}

void
gisle_cancel_run_free (GisleRun *run)
{
  g_assert (run->depth == 0 && run->sampler_data == NULL);
  gisle_cancel_run_release_hooks (run);
  g_free (run);
}

/* Releases the registered hooks' data, once, as the worker goes. */
void
gisle_cancel_run_release_hooks (GisleRun *run)
{
  const GisleRunHooks *hooks = g_steal_pointer (&run->hooks);

  if (hooks != NULL)
    hooks->release (run->hooks_data);
  run->hooks_data = NULL;
}

/* The running job's cancel state and coroutines' record, or NULL. */
GisleCancelState *
gisle_cancel_run_get_cancel (GisleRun *run)
{
  return run->cancel;
}

GisleJobSuspend *
gisle_cancel_run_get_suspend (GisleRun *run)
{
  return run->suspend;
}

/* The registered hooks (atomic) and their data. */
const GisleRunHooks *
gisle_cancel_run_get_hooks (GisleRun *run)
{
  return g_atomic_pointer_get (&run->hooks);
}

gpointer
gisle_cancel_run_get_hooks_data (GisleRun *run)
{
  return run->hooks_data;
}

/* While set, a hooks signal arms nothing: the registered hook runs. */
void
gisle_cancel_run_set_in_hooks (GisleRun *run,
                               gboolean  in_hooks)
{
  atomic_signal_fence (memory_order_seq_cst);
  run->in_hooks = in_hooks;
  atomic_signal_fence (memory_order_seq_cst);
}

/* The profile a sampler fills for this worker, or NULL; atomic. */
void
gisle_cancel_run_set_sampled (GisleRun *run,
                              gpointer  sampled)
{
  g_atomic_pointer_set (&run->sampled, sampled);
}

gpointer
gisle_cancel_run_get_sampled (GisleRun *run)
{
  return g_atomic_pointer_get (&run->sampled);
}

/* The sampler's own data for this run (worker thread only). */
gpointer
gisle_cancel_run_get_sampler_data (GisleRun *run)
{
  return run->sampler_data;
}

void
gisle_cancel_run_set_sampler_data (GisleRun *run,
                                   gpointer  data)
{
  run->sampler_data = data;
}

/* The resume stack, outermost first (worker thread only). */
int
gisle_cancel_run_get_depth (GisleRun *run)
{
  return run->depth;
}

lua_State *
gisle_cancel_run_get_state (GisleRun *run,
                            int       i)
{
  return run->stack[i];
}

/* While set, a sample signal arms nothing: the sampler's hook runs and
 * its own lua_sethook calls must not be torn. */
void
gisle_cancel_run_set_sampling (GisleRun *run,
                               gboolean  sampling)
{
  atomic_signal_fence (memory_order_seq_cst);
  run->sampling = sampling;
  atomic_signal_fence (memory_order_seq_cst);
}

/* Static TLS, so the signal handler never triggers a lazy TLS allocation
 * even when the library was dlopen()ed by a language binding. */
static __thread GisleRun *gisle_tls_run __attribute__ ((tls_model ("initial-exec")));

static struct sigaction gisle_previous_action;

#ifdef GISLE_TSAN
GMutex gisle_tsan_signal_lock;
#endif
/* A job's cancel state. The canceller writes it (under its own lock, or
 * the watchdog), the worker thread and its signal handler read it
 * lock-free: here, on this floor, so that the handler needs nothing from
 * the job above. @phase publishes @reason and @grace_ends_at, which are
 * written before it. */
struct _GisleCancelState
{
  volatile gint phase;           /* GisleCancelPhase, atomic */
  gint reason;                   /* GIOErrorEnum: CANCELLED or TIMED_OUT */
  gboolean soft_delivered;       /* worker thread only */
  gint64 grace_ends_at;          /* monotonic */
  guint64 job_id;
  /* Handed to the main-context host functions the job calls before it is
   * cancelled, and cancelled (by the canceller) when it is: GIO work a host
   * function started keeps to the job's lifetime. Under @lock, with the
   * step from NONE to SOFT, so no call gets one that is never cancelled. */
  GMutex lock;
  GCancellable *host_cancellable;
};

/* Its size, so that a job can keep it in its own allocation (one malloc
 * per job, not two) without knowing its fields. */
gsize
gisle_cancel_state_size (void)
{
  return sizeof (GisleCancelState);
}

/* Makes a state in @memory: gisle_cancel_state_size() bytes, zeroed,
 * aligned for any type. */
GisleCancelState *
gisle_cancel_state_init (gpointer memory,
                         guint64  job_id)
{
  GisleCancelState *state = memory;

  state->job_id = job_id;
  g_mutex_init (&state->lock);
  return state;
}

void
gisle_cancel_state_clear (GisleCancelState *state)
{
  g_clear_object (&state->host_cancellable);
  g_mutex_clear (&state->lock);
}

GisleCancelState *
gisle_cancel_state_new (guint64 job_id)
{
  return gisle_cancel_state_init (g_malloc0 (sizeof (GisleCancelState)), job_id);
}

void
gisle_cancel_state_free (GisleCancelState *state)
{
  gisle_cancel_state_clear (state);
  g_free (state);
}

GisleCancelPhase
gisle_cancel_state_get_phase (GisleCancelState *state)
{
  return g_atomic_int_get (&state->phase);
}

/* Once the phase is not NONE. */
gint
gisle_cancel_state_get_reason (GisleCancelState *state)
{
  return state->reason;
}

/* From any thread: NONE turns SOFT with @reason; the grace period ends at
 * @grace_ends_at (monotonic). Returns FALSE if the job was cancelled
 * already. *@host_cancellable gets a reference to the cancellable the
 * job's host calls hold, if any, for the caller to cancel. */
gboolean
gisle_cancel_state_begin (GisleCancelState  *state,
                          gint               reason,
                          gint64             grace_ends_at,
                          GCancellable     **host_cancellable)
{
  gboolean begun = FALSE;

  *host_cancellable = NULL;
  gisle_mutex_lock (&state->lock);
  if (g_atomic_int_get (&state->phase) == GISLE_CANCEL_NONE)
    {
      state->reason = reason;
      state->grace_ends_at = grace_ends_at;
      g_atomic_int_set (&state->phase, GISLE_CANCEL_SOFT);
      if (state->host_cancellable != NULL)
        *host_cancellable = g_object_ref (state->host_cancellable);
      begun = TRUE;
    }
  gisle_mutex_unlock (&state->lock);
  return begun;
}

/* SOFT turns HARD (the grace period is over); whoever gets there first,
 * the worker's hook or the watchdog. Lock-free: the hook calls it. */
gboolean
gisle_cancel_state_harden (GisleCancelState *state)
{
  return g_atomic_int_compare_and_exchange (&state->phase,
                                            GISLE_CANCEL_SOFT, GISLE_CANCEL_HARD);
}

/* Sets the phase as is (white-box tests, which play the canceller). */
void
gisle_cancel_state_force (GisleCancelState *state,
                          GisleCancelPhase  phase,
                          gint64            grace_ends_at)
{
  state->reason = G_IO_ERROR_CANCELLED;
  state->grace_ends_at = grace_ends_at;
  if (phase == GISLE_CANCEL_NONE)
    state->soft_delivered = FALSE;
  g_atomic_int_set (&state->phase, phase);
}

gboolean
gisle_cancel_state_soft_delivered (GisleCancelState *state)
{
  return state->soft_delivered;
}

static const char gisle_sentinel_key = 'c';
static const char gisle_traceback_key = 't';    /* Lua's debug.traceback */

/* ---- Arming, on the worker thread (from the handler or directly) ------ */

static void gisle_cancel_hook (lua_State *L, lua_Debug *ar);

/* What the hook must be for @job now. */
typedef enum {
  GISLE_ARM_NONE,     /* not cancelled: no hook */
  GISLE_ARM_CANCEL,   /* the cancel is due: raise at the next instruction */
  GISLE_ARM_GRACE,    /* the soft cancel was delivered: watch the clock */
} GisleArming;

static GisleArming
gisle_cancel_arming (GisleCancelState *state)
{
  gint phase;

  if (state == NULL)
    return GISLE_ARM_NONE;
  phase = g_atomic_int_get (&state->phase);
  if (phase == GISLE_CANCEL_HARD || (phase == GISLE_CANCEL_SOFT && !state->soft_delivered))
    return GISLE_ARM_CANCEL;
  if (phase == GISLE_CANCEL_SOFT)
    return GISLE_ARM_GRACE;
  return GISLE_ARM_NONE;
}

static gboolean
gisle_cancel_should_arm (GisleCancelState *state)
{
  return gisle_cancel_arming (state) == GISLE_ARM_CANCEL;
}

static void gisle_cancel_arm_state (lua_State        *L,
                                    GisleCancelState *state);

/* Gives @L the registered hook (the debugger's) when the run wants it, or
 * takes it away when not; another hook, a script's, is left alone. On the
 * worker thread, never from the handler. A cancel signal landing between
 * the two lua_sethook calls is not undone: the cancel's hook goes last. */
static void
gisle_cancel_arm_registered (GisleRun  *run,
                             lua_State *L)
{
  const GisleRunHooks *hooks = run != NULL ? g_atomic_pointer_get (&run->hooks) : NULL;
  lua_Hook current;

  if (hooks == NULL)
    return;
  current = lua_gethook (L);
  if (hooks->wanted (run->hooks_data))
    {
      if (current == NULL || current == hooks->hook)
        lua_sethook (L, hooks->hook, hooks->mask, 0);
    }
  else if (current == hooks->hook)
    lua_sethook (L, NULL, 0, 0);
  else
    return;
  atomic_signal_fence (memory_order_seq_cst);
  if (gisle_cancel_arming (run->cancel) != GISLE_ARM_NONE)
    gisle_cancel_arm_state (L, run->cancel);
}

/* For the registered hook: sets @L's hook as lua_sethook() does (with a
 * count of 1 if LUA_MASKCOUNT is in @mask), unless a cancel is due or under
 * way, whose hook then stays (or comes back, if a signal landed during the
 * call). Worker thread. */
void
gisle_cancel_set_hook (lua_State *L,
                       lua_Hook   hook,
                       int        mask)
{
  GisleRun *run = gisle_tls_run;

  /* A count event is only ever wanted at the next instruction. */
  lua_sethook (L, hook, mask, (mask & LUA_MASKCOUNT) ? 1 : 0);
  atomic_signal_fence (memory_order_seq_cst);
  if (run != NULL && gisle_cancel_arming (run->cancel) != GISLE_ARM_NONE)
    gisle_cancel_arm_state (L, run->cancel);
}

/* Gives @L the hook @state needs; leaves a state that needs none alone. */
static void
gisle_cancel_arm_state (lua_State        *L,
                        GisleCancelState *state)
{
  switch (gisle_cancel_arming (state))
    {
    case GISLE_ARM_CANCEL:
      lua_sethook (L, gisle_cancel_hook, GISLE_HOOK_MASK, 1);
      break;
    case GISLE_ARM_GRACE:
      lua_sethook (L, gisle_cancel_hook, LUA_MASKCOUNT, GISLE_GRACE_HOOK_COUNT);
      break;
    case GISLE_ARM_NONE:
    default:
      /* No cancel: the registered hook, if it is wanted. */
      gisle_cancel_arm_registered (gisle_tls_run, L);
      break;
    }
}

/* Async-signal-safe: only lua_sethook on states of this thread. */
static void
gisle_cancel_arm_all (GisleRun *run)
{
  int depth = run->depth;

  for (int i = 0; i < depth; i++)
    lua_sethook (run->stack[i], gisle_cancel_hook, GISLE_HOOK_MASK, 1);
}

/* Not from the signal handler: reads the clock-watching state. */
static void
gisle_cancel_rearm_all (GisleRun *run)
{
  int depth = run->depth;

  for (int i = 0; i < depth; i++)
    gisle_cancel_arm_state (run->stack[i], run->cancel);
}

/* GIsle's own signals carry this address as their value (sigqueue), so
 * the handler tells them from a stray SIGURG, which it chains to the
 * application's handler whether or not a job runs. */
static const char gisle_cancel_signal_tag = 's';

void
gisle_cancel_signal_thread (pthread_t thread)
{
  union sigval value = { .sival_ptr = (void *) &gisle_cancel_signal_tag };

  pthread_sigqueue (thread, GISLE_CANCEL_SIGNAL, value);
}

/* The sampling profiler's signals (gisle-profile.c) carry this one. */
static const char gisle_sample_signal_tag = 'p';

void
gisle_cancel_signal_sample (pthread_t thread)
{
  union sigval value = { .sival_ptr = (void *) &gisle_sample_signal_tag };

  pthread_sigqueue (thread, GISLE_CANCEL_SIGNAL, value);
}

/* The signal and value of the profiler's timer. */
void
gisle_cancel_sample_sigevent (struct sigevent *event)
{
  event->sigev_signo = GISLE_CANCEL_SIGNAL;
  event->sigev_value.sival_ptr = (void *) &gisle_sample_signal_tag;
}

/* Registered hooks ask for arming with this tag. */
static const char gisle_hooks_signal_tag = 'h';

void
gisle_cancel_signal_hooks (pthread_t thread)
{
  union sigval value = { .sival_ptr = (void *) &gisle_hooks_signal_tag };

  pthread_sigqueue (thread, GISLE_CANCEL_SIGNAL, value);
}

/* Async-signal-safe: installs the registered hook on every state of the
 * run that has no hook, if the run wants it, unless the registered hook or
 * the profiler's is running (their lua_sethook calls must not be torn;
 * they look at what is wanted again before they return). */
static void
gisle_cancel_arm_registered_async (GisleRun *run)
{
  const GisleRunHooks *hooks;
  int depth;

  if (run == NULL || run->sampling || run->in_hooks)
    return;
  hooks = g_atomic_pointer_get (&run->hooks);
  if (hooks == NULL || !hooks->wanted (run->hooks_data))
    return;
  depth = run->depth;
  for (int i = 0; i < depth; i++)
    {
      lua_State *L = run->stack[i];
      lua_Hook current = lua_gethook (L);

      if (current == NULL || current == hooks->hook)
        lua_sethook (L, hooks->hook, hooks->mask, 0);
    }
}

/* The sampling profiler, on a floor above, registers its hook and its
 * enter/leave steps here, so this floor calls no profiler by name. Set
 * before the first sample signal can be sent, never unset. */
static const GisleSampler *gisle_cancel_sampler;

void
gisle_cancel_set_sampler (const GisleSampler *sampler)
{
  g_atomic_pointer_set (&gisle_cancel_sampler, sampler);
}

/* Async-signal-safe: arms the profiler's one-shot hook on the running
 * state, unless a hook is active there already (a cancel's, which wins, a
 * script's, or a sample still pending) or the sample hook is running (its
 * own lua_sethook calls must not be torn). */
static void
gisle_cancel_arm_sample (GisleRun *run)
{
  const GisleSampler *sampler = g_atomic_pointer_get (&gisle_cancel_sampler);
  int depth = run != NULL ? run->depth : 0;
  lua_State *L;

  if (depth <= 0 || run->sampling || sampler == NULL)
    return;
  L = run->stack[depth - 1];
  if (lua_gethookmask (L) == 0)
    lua_sethook (L, sampler->hook, LUA_MASKCOUNT, 1);
}

static void
gisle_cancel_signal_handler (int        signo,
                             siginfo_t *info,
                             void      *context)
{
  int saved_errno = errno;
  GisleRun *run = gisle_tls_run;
  gboolean ours = info != NULL && info->si_code == SI_QUEUE &&
                  info->si_value.sival_ptr == (void *) &gisle_cancel_signal_tag;
  gboolean sample = info != NULL &&
                    (info->si_code == SI_QUEUE || info->si_code == SI_TIMER) &&
                    info->si_value.sival_ptr == (void *) &gisle_sample_signal_tag;
  gboolean hooks = info != NULL && info->si_code == SI_QUEUE &&
                   info->si_value.sival_ptr == (void *) &gisle_hooks_signal_tag;

  if (ours || sample || hooks)
    {
      /* Any of GIsle's signals may stand for the others: a second SIGURG
       * sent while one is pending is dropped, whatever its value. So each
       * looks at everything: the cancel first, which wins. */
      if (run != NULL && run->cancel != NULL && gisle_cancel_should_arm (run->cancel))
        gisle_cancel_arm_all (run);
      else
        {
          gisle_cancel_arm_registered_async (run);
          if (sample)
            gisle_cancel_arm_sample (run);
        }
    }
  else if (gisle_previous_action.sa_flags & SA_SIGINFO)
    {
      if (gisle_previous_action.sa_sigaction != NULL)
        gisle_previous_action.sa_sigaction (signo, info, context);
    }
  else if (gisle_previous_action.sa_handler != SIG_DFL &&
           gisle_previous_action.sa_handler != SIG_IGN)
    gisle_previous_action.sa_handler (signo);

  errno = saved_errno;
}

void
gisle_cancel_init_process (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      struct sigaction action = { 0, };

      action.sa_sigaction = gisle_cancel_signal_handler;
      action.sa_flags = SA_SIGINFO | SA_RESTART;
      sigemptyset (&action.sa_mask);
      if (sigaction (GISLE_CANCEL_SIGNAL, &action, &gisle_previous_action) != 0)
        g_critical ("GIsle could not install its cancellation signal handler: %s",
                    g_strerror (errno));
      g_once_init_leave (&initialized, 1);
    }
}

/* ---- The sentinel error --------------------------------------------- */

static int
gisle_cancel_sentinel_tostring (lua_State *L)
{
  lua_pushliteral (L, "the job was cancelled");
  return 1;
}

gboolean
gisle_cancel_is_sentinel (lua_State *L,
                          int        idx)
{
  gboolean same;

  idx = lua_absindex (L, idx);
  lua_rawgetp (L, LUA_REGISTRYINDEX, &gisle_sentinel_key);
  same = lua_rawequal (L, idx, -1);
  lua_pop (L, 1);
  return same;
}

void
gisle_cancel_raise (lua_State *L)
{
  lua_rawgetp (L, LUA_REGISTRYINDEX, &gisle_sentinel_key);
  lua_error (L);
  g_assert_not_reached ();
}

/* The cancel state of the job running in Lua on this thread, or NULL. */
GisleCancelState *
gisle_cancel_current (lua_State *L)
{
  GisleRun *run = gisle_tls_run;

  return run != NULL ? run->cancel : NULL;
}

/* The coroutines' record of the job running in Lua on this thread, or
 * NULL. */
GisleJobSuspend *
gisle_cancel_current_suspend (lua_State *L)
{
  GisleRun *run = gisle_tls_run;

  return run != NULL ? run->suspend : NULL;
}

/* Worker thread, before a job cancelled while suspended runs its cleanup:
 * its grace period starts now. */
void
gisle_cancel_state_set_grace_end (GisleCancelState *state,
                                  gint64            grace_ends_at)
{
  state->grace_ends_at = grace_ends_at;
}

/* A new coroutine of the job may raise the soft cancel once more. */
void
gisle_cancel_state_unset_soft_delivered (GisleCancelState *state)
{
  state->soft_delivered = FALSE;
}

/* The id of the job running in Lua on this thread, or 0. */
guint64
gisle_cancel_current_job_id (lua_State *L)
{
  GisleCancelState *state = gisle_cancel_current (L);

  return state != NULL ? state->job_id : 0;
}

/* The cancellable for a host call made now by the running job: the job's
 * own while it is not cancelled (gisle_cancel_state_begin() hands it to the
 * canceller), a fresh one for calls made by cleanup code after the cancel
 * or outside any job. */
GCancellable *
gisle_cancel_ref_host_cancellable (lua_State *L)
{
  GisleCancelState *state = gisle_cancel_current (L);
  GCancellable *cancellable;

  if (state == NULL)
    return g_cancellable_new ();
  gisle_mutex_lock (&state->lock);
  if (g_atomic_int_get (&state->phase) != GISLE_CANCEL_NONE)
    cancellable = g_cancellable_new ();
  else
    {
      if (state->host_cancellable == NULL)
        state->host_cancellable = g_cancellable_new ();
      cancellable = g_object_ref (state->host_cancellable);
    }
  gisle_mutex_unlock (&state->lock);
  return cancellable;
}

gboolean
gisle_cancel_is_requested (lua_State *L)
{
  GisleCancelState *state = gisle_cancel_current (L);

  return state != NULL && g_atomic_int_get (&state->phase) != GISLE_CANCEL_NONE;
}

GisleRun *
gisle_cancel_get_run (void)
{
  return gisle_tls_run;
}

/* For a hook that removes itself (the profiler's): clears @L's hook, then
 * gives it the one a cancel needs. In this order a cancel signal that lands
 * meanwhile is never undone. */
void
gisle_cancel_restore_hook (lua_State *L)
{
  GisleRun *run = gisle_tls_run;

  lua_sethook (L, NULL, 0, 0);
  atomic_signal_fence (memory_order_seq_cst);
  if (run != NULL)
    gisle_cancel_arm_state (L, run->cancel);
}

/* Whether a wait should stop now to let the cancel be raised. */
gboolean
gisle_cancel_is_due (lua_State *L)
{
  GisleRun *run = gisle_tls_run;

  return run != NULL && gisle_cancel_should_arm (run->cancel);
}

/* A cancellation point for GIsle's own waits and built-ins: raises the
 * cancel if it is due. Once the soft cancel was delivered the script is
 * cleaning up; waits then return at once instead of raising again. */
void
gisle_cancel_check (lua_State *L)
{
  GisleRun *run = gisle_tls_run;
  GisleCancelState *state = run != NULL ? run->cancel : NULL;
  gint phase;

  if (state == NULL)
    return;
  phase = g_atomic_int_get (&state->phase);
  if (phase == GISLE_CANCEL_HARD)
    gisle_cancel_raise (L);
  if (phase == GISLE_CANCEL_SOFT && !state->soft_delivered)
    {
      state->soft_delivered = TRUE;
      if (run->suspend != NULL)
        run->suspend->soft_seen_by = run->stack[0];
      /* Cleanups run at full speed but for the rare clock check. */
      gisle_cancel_rearm_all (run);
      gisle_cancel_raise (L);
    }
}

static void
gisle_cancel_hook (lua_State *L,
                   lua_Debug *ar)
{
  GisleRun *run = gisle_tls_run;
  GisleCancelState *state = run != NULL ? run->cancel : NULL;

  switch (gisle_cancel_arming (state))
    {
    case GISLE_ARM_NONE:
      /* Left over on a coroutine from an earlier cancelled job. */
      lua_sethook (L, NULL, 0, 0);
      gisle_cancel_arm_registered (run, L);
      return;

    case GISLE_ARM_GRACE:
      if (g_get_monotonic_time () < state->grace_ends_at)
        {
          /* A coroutine made while the cancel was due inherited the
           * every-instruction hook: calm it down. */
          if (lua_gethookmask (L) != LUA_MASKCOUNT)
            gisle_cancel_arm_state (L, state);
          return;
        }
      /* The grace period is over: turn hard here and now. The watchdog
       * may do the same at any moment; either way it ends HARD. */
      gisle_cancel_state_harden (state);
      gisle_cancel_arm_all (run);
      break;

    case GISLE_ARM_CANCEL:
    default:
      break;
    }

  /* Hard, in the job's own coroutine: yield out of it. No pcall catches a
   * yield, and it leaves Lua's error recovery at once, which a script can
   * otherwise keep busy (pcall recursing into C-stack overflows resumes
   * itself inside lua_resume, growing the stack without bound). The job
   * then ends cancelled (gisle-job.c). Where Lua cannot yield, raise. */
  if (g_atomic_int_get (&state->phase) == GISLE_CANCEL_HARD &&
      run->suspend != NULL && run->suspend->running == L && lua_isyieldable (L))
    {
      /* Only a count hook may yield; a call or return hook lets the next
       * instruction's count hook do it. Raising there instead would unwind
       * a deep stack one pcall at a time. */
      if (ar->event == LUA_HOOKCOUNT)
        {
          run->suspend->yielding = FALSE;
          lua_yield (L, 0);
        }
      return;
    }
  gisle_cancel_check (L);
}

/* ---- Entering and leaving Lua --------------------------------------- */

void
gisle_cancel_enter_lua (GisleRun         *run,
                        GisleCancelState *state,
                        GisleJobSuspend  *suspend,
                        lua_State        *L)
{
  run->suspend = suspend;

  gisle_tls_run = run;
  run->cancel = state;
  run->stack[0] = L;
  atomic_signal_fence (memory_order_seq_cst);
  run->depth = 1;
  atomic_signal_fence (memory_order_seq_cst);

  /* A cancel that arrived before the stack was set found nothing to arm. */
  gisle_cancel_arm_state (L, state);

  /* The profiler: one pointer read while it is off. */
  if (G_UNLIKELY (g_atomic_pointer_get (&run->sampled) != NULL))
    {
      const GisleSampler *sampler = g_atomic_pointer_get (&gisle_cancel_sampler);

      if (sampler != NULL)
        sampler->enter_lua (run);
    }
}

void
gisle_cancel_leave_lua (GisleRun *run)
{
  lua_State *L = run->stack[0];
  const GisleRunHooks *hooks = g_atomic_pointer_get (&run->hooks);
  const GisleSampler *sampler = g_atomic_pointer_get (&gisle_cancel_sampler);

  if (hooks != NULL)
    hooks->leave (run->hooks_data);
  if (sampler != NULL)
    sampler->leave_lua (run);
  run->depth = 0;
  atomic_signal_fence (memory_order_seq_cst);
  run->cancel = NULL;
  run->suspend = NULL;
  atomic_signal_fence (memory_order_seq_cst);
  /* An executor thread goes on to other isles: a late signal must not find
   * this one's state, which may be freed by then. */
  gisle_tls_run = NULL;
  atomic_signal_fence (memory_order_seq_cst);
  lua_sethook (L, NULL, 0, 0);
}

/* ---- Registered hooks ------------------------------------------------ */

/* Registers the hooks of a floor above (the debugger) on @worker, once:
 * FALSE if some are registered already. @hooks->release(@data) runs when
 * the worker is freed. Any thread. */
gboolean
gisle_cancel_register_hooks (GisleWorker         *worker,
                             const GisleRunHooks *hooks,
                             gpointer             data)
{
  GisleRun *run = gisle_owner_get_run (worker);
  gboolean done = FALSE;

  gisle_mutex_lock (gisle_owner_get_lock (worker));
  if (run->hooks == NULL)
    {
      /* The data first: the handler reads it once it sees the hooks. */
      run->hooks_data = data;
      g_atomic_pointer_set (&run->hooks, hooks);
      done = TRUE;
    }
  gisle_mutex_unlock (gisle_owner_get_lock (worker));
  return done;
}

/* From the job's message handler: an error nothing caught, with the stack
 * where it was raised. Worker thread. */
void
gisle_cancel_report_error (lua_State *L)
{
  GisleRun *run = gisle_tls_run;
  const GisleRunHooks *hooks = run != NULL ? g_atomic_pointer_get (&run->hooks) : NULL;

  if (hooks != NULL)
    hooks->error (run->hooks_data, L);
}

/* ---- Lua replacements that keep the cancel sticky -------------------- */

/* Puts @co on the resume stack that the signal handler arms, and arms it
 * now when a cancel is due (a coroutine created before the cancel did not
 * inherit the hook). Returns the depth to restore, or -1 if the stack is
 * full. */
int
gisle_cancel_push_state (lua_State *co)
{
  GisleRun *run = gisle_tls_run;
  int depth;

  if (run == NULL)
    return 0;
  depth = run->depth;
  if (depth >= GISLE_MAX_RESUME_DEPTH)
    return -1;
  run->stack[depth] = co;
  atomic_signal_fence (memory_order_seq_cst);
  run->depth = depth + 1;
  atomic_signal_fence (memory_order_seq_cst);
  gisle_cancel_arm_state (co, run->cancel);
  return depth;
}

void
gisle_cancel_pop_state (int depth)
{
  GisleRun *run = gisle_tls_run;

  if (run == NULL)
    return;
  run->depth = depth;
  atomic_signal_fence (memory_order_seq_cst);
}

/* Closes @co's pending to-be-closed variables (their __close handlers run
 * on @co, so it must be on the resume stack to be cancellable). */
static int
gisle_cancel_resetthread (lua_State *co)
{
  int depth = gisle_cancel_push_state (co);
  int status;

  if (depth < 0)
    return lua_resetthread (co);
  status = lua_resetthread (co);
  gisle_cancel_pop_state (depth);
  return status;
}

/* Resumes @co like coroutine.resume, keeping the resume stack. */
static int
gisle_cancel_auxresume (lua_State *L,
                        lua_State *co,
                        int        narg)
{
  int status, nres, depth;

  if (!lua_checkstack (co, narg))
    {
      lua_pushliteral (L, "too many arguments to resume");
      return -1;
    }

  depth = gisle_cancel_push_state (co);
  if (depth < 0)
    {
      lua_pushliteral (L, "C stack overflow");
      return -1;
    }

  lua_xmove (L, co, narg);
  status = lua_resume (co, L, narg, &nres);
  gisle_cancel_pop_state (depth);

  if (status == LUA_OK || status == LUA_YIELD)
    {
      if (!lua_checkstack (L, nres + 1))
        {
          lua_pop (co, nres);
          lua_pushliteral (L, "too many results to resume");
          return -1;
        }
      lua_xmove (co, L, nres);
      return nres;
    }

  lua_xmove (co, L, 1);
  return -1;
}

static lua_State *
gisle_cancel_getco (lua_State *L)
{
  lua_State *co = lua_tothread (L, 1);

  luaL_argexpected (L, co != NULL, 1, "coroutine");
  return co;
}

static int
gisle_cancel_coresume (lua_State *L)
{
  lua_State *co = gisle_cancel_getco (L);
  int r = gisle_cancel_auxresume (L, co, lua_gettop (L) - 1);

  if (r < 0)
    {
      lua_pushboolean (L, 0);
      lua_insert (L, -2);
      return 2;
    }
  lua_pushboolean (L, 1);
  lua_insert (L, -(r + 1));
  return r + 1;
}

static int
gisle_cancel_auxwrap (lua_State *L)
{
  lua_State *co = lua_tothread (L, lua_upvalueindex (1));
  int r = gisle_cancel_auxresume (L, co, lua_gettop (L));

  if (r < 0)
    {
      int status = lua_status (co);

      if (status != LUA_OK && status != LUA_YIELD)
        {
          status = gisle_cancel_resetthread (co);
          lua_xmove (co, L, 1);
        }
      if (status != LUA_ERRMEM && lua_type (L, -1) == LUA_TSTRING)
        {
          luaL_where (L, 1);
          lua_insert (L, -2);
          lua_concat (L, 2);
        }
      return lua_error (L);
    }
  return r;
}

/* coroutine.close, as in lcorolib, with the __close handlers cancellable. */
static int
gisle_cancel_coclose (lua_State *L)
{
  lua_State *co = gisle_cancel_getco (L);
  int status = lua_status (co);
  lua_Debug ar;

  /* Only a dead or suspended coroutine may be closed (lcorolib's rule): a
   * coroutine with active frames and status OK is running or normal. */
  if (co == L)
    return luaL_error (L, "cannot close a running coroutine");
  if (status == LUA_OK && lua_getstack (co, 0, &ar))
    return luaL_error (L, "cannot close a normal coroutine");

  status = gisle_cancel_resetthread (co);
  if (status == LUA_OK)
    {
      lua_pushboolean (L, 1);
      return 1;
    }
  lua_pushboolean (L, 0);
  lua_xmove (co, L, 1);
  return 2;
}

static int
gisle_cancel_cowrap (lua_State *L)
{
  lua_State *co;

  luaL_checktype (L, 1, LUA_TFUNCTION);
  co = lua_newthread (L);
  lua_pushvalue (L, 1);
  lua_xmove (L, co, 1);
  lua_pushcclosure (L, gisle_cancel_auxwrap, 1);
  return 1;
}

/* Once cancelled, the user's message handler is skipped: Lua would run it
 * with hooks disabled when the error comes from the hook, so a handler
 * that loops could never be stopped. */
static int
gisle_cancel_guarded_msgh (lua_State *L)
{
  if (gisle_cancel_is_requested (L) || gisle_cancel_is_sentinel (L, 1))
    return 1;

  lua_pushvalue (L, lua_upvalueindex (1));
  lua_insert (L, 1);
  lua_call (L, lua_gettop (L) - 1, 1);
  return 1;
}

static int
gisle_cancel_finish_pcall (lua_State     *L,
                           int            status,
                           lua_KContext   extra)
{
  if (status != LUA_OK && status != LUA_YIELD)
    {
      lua_pushboolean (L, 0);
      lua_pushvalue (L, -2);
      return 2;
    }
  return lua_gettop (L) - (int) extra;
}

static int
gisle_cancel_xpcall (lua_State *L)
{
  int n = lua_gettop (L);
  int status;

  luaL_checktype (L, 2, LUA_TFUNCTION);
  /* Handlers are guarded, so none runs (hooks disabled) on a cancel. The
   * one exception is Lua's own debug.traceback, the common idiom: it runs
   * no Lua code and hands a non-string error object back untouched, and
   * unguarded its traceback shows no extra frame. */
  lua_rawgetp (L, LUA_REGISTRYINDEX, &gisle_traceback_key);
  if (!lua_rawequal (L, 2, -1))
    {
      lua_pushvalue (L, 2);
      lua_pushcclosure (L, gisle_cancel_guarded_msgh, 1);
      lua_replace (L, 2);
    }
  lua_pop (L, 1);
  lua_pushboolean (L, 1);
  lua_pushvalue (L, 1);
  lua_rotate (L, 3, 2);
  status = lua_pcallk (L, n - 2, LUA_MULTRET, 2, 2, gisle_cancel_finish_pcall);
  return gisle_cancel_finish_pcall (L, status, 2);
}

/* debug.sethook, when the debug library is open: a cancel signal that
 * lands while the original runs would have its freshly armed hook
 * overwritten, so the hook is re-armed afterwards whenever a cancel is due.
 * A script can therefore never switch cancellation off. */
static int
gisle_cancel_debug_sethook (lua_State *L)
{
  GisleRun *run = gisle_tls_run;

  /* In this same frame, not through lua_call(): a script's hook must see
   * the stack and events it would see in plain Lua. */
  gisle_debug_sethook (L);

  if (run != NULL)
    gisle_cancel_rearm_all (run);
  return 0;
}

/* Installs the sentinel and the replacements. Runs after the sandbox has
 * opened the libraries, in protected mode. */
void
gisle_cancel_open (lua_State *L)
{
  lua_newuserdatauv (L, 0, 0);
  lua_createtable (L, 0, 2);
  lua_pushcfunction (L, gisle_cancel_sentinel_tostring);
  lua_setfield (L, -2, "__tostring");
  lua_pushliteral (L, "gisle.cancelled");
  lua_setfield (L, -2, "__name");
  lua_setmetatable (L, -2);
  lua_rawsetp (L, LUA_REGISTRYINDEX, &gisle_sentinel_key);

  /* Remembered before a script can replace it. */
  if (lua_getglobal (L, "debug") == LUA_TTABLE &&
      lua_getfield (L, -1, "traceback") == LUA_TFUNCTION && lua_iscfunction (L, -1))
    lua_rawsetp (L, LUA_REGISTRYINDEX, &gisle_traceback_key);
  lua_settop (L, 0);

  if (lua_getglobal (L, "xpcall") == LUA_TFUNCTION)
    {
      lua_pushcfunction (L, gisle_cancel_xpcall);
      lua_setglobal (L, "xpcall");
    }
  lua_pop (L, 1);

  if (lua_getglobal (L, "debug") == LUA_TTABLE &&
      lua_getfield (L, -1, "sethook") == LUA_TFUNCTION)
    {
      lua_pushcfunction (L, gisle_cancel_debug_sethook);
      lua_setfield (L, -3, "sethook");
      lua_pushcfunction (L, gisle_debug_gethook);
      lua_setfield (L, -3, "gethook");
    }
  lua_settop (L, 0);

  if (lua_getglobal (L, "coroutine") == LUA_TTABLE)
    {
      lua_pushcfunction (L, gisle_cancel_coresume);
      lua_setfield (L, -2, "resume");
      lua_pushcfunction (L, gisle_cancel_cowrap);
      lua_setfield (L, -2, "wrap");
      lua_pushcfunction (L, gisle_cancel_coclose);
      lua_setfield (L, -2, "close");
    }
  lua_pop (L, 1);
}
