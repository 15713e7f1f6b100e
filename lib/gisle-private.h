/* gisle-private.h: what the floors of lib/ share: the thread rules, a few
 * types, and the few structs whose fields more than one file reads.
 *
 * THE THREAD RULES (everything below exists to enforce them):
 *
 * 1. The lua_State is created, used and closed only on the isle's worker
 *    thread. Any function taking a lua_State runs there. The only code that
 *    touches Lua state from elsewhere in time is the cancellation signal
 *    handler, which runs *on the worker thread* (see gisle-cancel.c).
 * 2. Nothing bound to a GMainContext runs on the worker. Results, output,
 *    events and host-function calls are queued and delivered from a GSource
 *    attached to the right context (see gisle-dispatch.c).
 * 3. GisleWorker outlives the GIsle object when needed: the worker thread
 *    holds its own reference, so dropping the last GIsle reference never
 *    waits for a running job.
 *
 * Each struct is defined in the .c that owns it (the job in gisle-job.c,
 * the worker in gisle-worker.c, the per-run record and a job's cancel
 * state in gisle-cancel.c, the delivery queue's record in
 * gisle-dispatch.c, ...); each file's functions are declared in its own
 * gisle-FILE-private.h, which a caller includes for what it calls. What
 * stays here: typedefs and enums, the small classes of callbacks a floor
 * registers with the one below it, GisleEvent, and the records of
 * suspended waits that the job and the worker embed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <signal.h>
#include <pthread.h>
#include <time.h>
#include <lua.h>

/* The public types only, not the umbrella header: a file implementing
 * public API includes "gisle.h" itself. */
#include "gisle-version.h"
#include "gisle-types.h"
#include "gisle-lock-private.h"
#include "gisle-executor-private.h"
#include "gisle-watchdog-private.h"
#include "gisle-thread-private.h"
#include "gisle-owner-private.h"

G_BEGIN_DECLS

typedef struct _GisleCancelState GisleCancelState;
typedef struct _GisleJobSuspend  GisleJobSuspend;

/* Nested coroutine resumes are bounded by Lua's C-stack limit (200). */
#define GISLE_MAX_RESUME_DEPTH 256

/* Output waiting for the main context beyond this makes the script wait. */
#define GISLE_OUTPUT_HIGH_WATER (4 * 1024 * 1024)

typedef enum {
  GISLE_JOB_SETUP,
  GISLE_JOB_EVAL,
  GISLE_JOB_CALL,
  GISLE_JOB_EXEC,
  GISLE_JOB_CONTROL,      /* internal work, e.g. installing a host function */
} GisleJobKind;

/* What travels from a worker to a main context (see gisle-dispatch.c).
 * Events link into their dispatcher's queue through @link, so queueing one
 * allocates nothing.
 *
 * Shared on purpose, the one struct here: a job embeds its completion
 * event (made by the submitting thread, so that the worker allocates
 * nothing to hand an outcome over) and fills its COMPLETE fields, and the
 * delivery queue links and drains it. Functions in place of fields would
 * need the queue to allocate, or the job to know the queue's layout. */
typedef enum {
  GISLE_EVENT_COMPLETE,
  GISLE_EVENT_OUTPUT,
  GISLE_EVENT_EVENT,
  GISLE_EVENT_PROGRESS,
  GISLE_EVENT_NOTIFY,
  GISLE_EVENT_INVOKE,
} GisleEventKind;

typedef struct _GisleEvent GisleEvent;
struct _GisleEvent
{
  GList link;                    /* link.data is the event itself */
  GisleEventKind kind;           /* COMPLETE: the event embedded in its job */
  gsize cost;                    /* bytes counted in the output budget */
  guint64 job_id;
  /* COMPLETE: set by the job; the queue knows nothing else of jobs. */
  gint64 created_at;             /* monotonic: when its task was made */
  void (*deliver) (GisleEvent *event);  /* in the task's context */
  void (*release) (GisleEvent *event);  /* once delivered or dropped */
  GIsleStream stream;
  GString *text;                 /* OUTPUT */
  char *name;                    /* EVENT: the event's name */
  GVariant *value;               /* EVENT */
  double fraction;               /* PROGRESS */
  char *progress_text;           /* PROGRESS, or NULL */
  const char *property;          /* NOTIFY: a static property name */
  GSourceFunc func;
  gpointer data;
  GDestroyNotify notify;
};

/* A job's cancellation phase, in its GisleCancelState (gisle-cancel.c).
 * Written by whoever cancels (or by the watchdog), read lock-free by the
 * worker and its signal handler, hence atomic. The worker itself may turn
 * SOFT into HARD, by compare-and-exchange, when it sees the grace period
 * is over. */
typedef enum {
  GISLE_CANCEL_NONE,
  GISLE_CANCEL_SOFT,      /* one catchable error, cleanups may run */
  GISLE_CANCEL_HARD,      /* error on every instruction until the job ends */
} GisleCancelPhase;

/* The isle's signals, as the delivery queue reaches them (in the isle's
 * main context only). Registered by the GIsle, so the queue below it never
 * calls up into the public object. */
typedef struct
{
  void (*output)   (GIsle *isle, guint64 job_id, GIsleStream stream, const char *text);
  void (*event)    (GIsle *isle, const char *name, GVariant *value);
  void (*progress) (GIsle *isle, guint64 job_id, double fraction, const char *text);
} GisleSignalSink;

typedef void (*GisleControlFunc) (GisleWorker *worker,
                                  lua_State   *L,
                                  gpointer     data);

/* Suspended waits and tasks (gisle-suspend.c, gisle-tasks.c): their
 * records of a job and of a worker, which the job and the worker embed
 * (gisle_job_get_suspend(), gisle_owner_get_suspend()). Still shared:
 * the floors below the job (the cancel hook, the tasks, the output's
 * back-pressure) read them where the job and the worker are opaque.
 *
 * A job's coroutine, while the job runs Lua code (worker thread only). */
struct _GisleJobSuspend
{
  GisleJob *job;                 /* the job it belongs to (set once, by the job) */
  GisleCancelState *cancel;      /* the job's (set once, by the job) */
  lua_State *co;                 /* the job's coroutine, or NULL */
  int co_ref;                    /* its registry reference, or LUA_NOREF */
  gboolean yielding;             /* the last yield is a wait's, not the script's */
  lua_State *running;            /* the job's coroutine or task resumed now */
  int tasks_ref;                 /* registry: its tasks (gisle-tasks.c), or LUA_NOREF */
  gboolean progress;             /* a task was started during this pass */
  gboolean main_done;            /* its own coroutine ended, ... */
  int main_status;               /* ... this way, ... */
  int main_nres;                 /* ... leaving this many values on it */
  /* The soft cancel is raised once in each coroutine (gisle-tasks.c). */
  lua_State *soft_seen_by;       /* where it was raised last */
  gboolean main_cancel_seen;
  /* Under the worker lock: cancelled while suspended, so completed already;
   * its cleanup runs when it resumes. */
  gboolean late_cleanup;
};

/* The isle's side (fields under the worker lock unless said otherwise). */
struct _GisleWorkerSuspend
{
  GisleJob *parked;      /* the current job, suspended in a wait */
  gboolean wake_pending;         /* something the wait waits for happened */
  int spare_co_ref;              /* worker thread: a coroutine to reuse */
  lua_State *spare_co;
  gboolean output_waits;         /* under the delivery lock: a wait wants room */
  /* Statistics, atomic. */
  volatile gint64 n_suspended;
  volatile gint64 n_blocking;
};

/* A floor above the cancel mechanism that keeps a Lua hook of its own on
 * the states of a run (the debugger, gisle-debugger-hook.c). Registered
 * once per worker, with gisle_cancel_register_hooks(), and released with
 * the worker. The mechanism installs @hook where @wanted says so and no
 * other hook is set (a cancel's always wins, a script's is left alone), on
 * the job's state as it enters Lua, on every coroutine it resumes, and
 * from the signal handler when gisle_cancel_signal_hooks() asks. */
typedef struct
{
  lua_Hook hook;
  int mask;                      /* the mask @hook is installed with */
  /* Async-signal-safe (an atomic read): whether the run needs @hook now. */
  gboolean (*wanted) (gpointer data);
  /* Worker thread: the job's Lua code ended. */
  void (*leave) (gpointer data);
  /* Worker thread, in the job's message handler, before the traceback:
   * an error nothing caught; the stack is still where it was raised. */
  void (*error) (gpointer data, lua_State *L);
  void (*release) (gpointer data);
} GisleRunHooks;

/* A sampler (the profiler) registered with gisle_cancel_set_sampler(): the
 * one-shot count hook its signal arms, and what it does as a job enters
 * and leaves Lua (on the worker thread). */
typedef struct
{
  lua_Hook hook;
  void   (*enter_lua) (GisleRun *run);
  void   (*leave_lua) (GisleRun *run);
} GisleSampler;

/* The isle a Lua state belongs to: the state's extra space holds it (see
 * gisle_state_new()). Inline, so the floors that run inside Lua (output,
 * sandbox, host functions) need nothing from the ones above them. */
static inline GisleWorker *
gisle_worker_from_lua (lua_State *L)
{
  return *(GisleWorker **) lua_getextraspace (L);
}

/* Under the worker lock, once what a suspended wait of @worker's current
 * job waits for has happened; returns whether the caller must schedule the
 * isle on its executor once unlocked. Through the owner class, so the
 * floors below the worker wake it without calling up. */
static inline gboolean
gisle_suspend_wake_locked (GisleWorker *worker)
{
  return gisle_owner_wake_locked (worker);
}

/* The same from any thread, without the lock held. */
static inline void
gisle_suspend_wake (GisleWorker *worker)
{
  gisle_owner_wake (worker);
}

G_END_DECLS
