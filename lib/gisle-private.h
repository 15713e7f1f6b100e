/* gisle-private.h: the worker, its jobs and how results travel back.
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
 * This header holds the data the floors share (events, jobs, the worker,
 * the per-run record); each file's functions are declared in its own
 * gisle-FILE-private.h, which a caller includes for what it calls.
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

G_BEGIN_DECLS

typedef struct _GisleWorker     GisleWorker;
typedef struct _GisleJob        GisleJob;
typedef struct _GisleDispatcher GisleDispatcher;

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
 * allocates nothing. */
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
  gsize cost;                    /* bytes counted in worker->output_pending */
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

/* A job's cancellation phase. Written under the worker lock by whoever
 * cancels (or by the watchdog), read lock-free by the worker and its signal
 * handler, hence atomic. The worker itself may turn SOFT into HARD, by
 * compare-and-exchange, when it sees the grace period is over. */
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

/* Whether the isle's setup job has been queued, and how it ended. */
typedef enum {
  GISLE_SETUP_NONE,
  GISLE_SETUP_RUNNING,
  GISLE_SETUP_DONE,
} GisleSetupState;

struct _GisleJob
{
  gint ref_count;                 /* atomic (inline builtins, visible to TSan) */
  GisleJobKind kind;
  guint64 id;
  GisleWorker *worker;           /* strong */

  /* What to run */
  char *code;
  char *chunk_name;
  char *function;
  GVariant *args;
  GIsleExecFunc exec_func;
  GIsleSetupFunc setup_func;
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
  /* Handed to the main-context host functions this job calls before it is
   * cancelled, and cancelled (in the owner context) when it is: GIO work a
   * host function started keeps to the job's lifetime. Under worker lock. */
  GCancellable *host_cancellable;

  /* Cancellation (see gisle-cancel.c) */
  volatile gint cancel_phase;    /* GisleCancelPhase, atomic */
  gint cancel_reason;            /* GIOErrorEnum: CANCELLED or TIMED_OUT */
  gboolean soft_delivered;       /* worker thread only */
  gint64 grace_ends_at;          /* monotonic; set before the phase turns SOFT */
  GSource *deadline_source;      /* watchdog context; under worker lock */
  gint64 deadline_at;            /* monotonic, when it is due; under worker lock */
  GSource *grace_source;
  GSource *hard_source;

  const char *error_prefix;      /* static string put before the error */
  /* Called by whichever thread hands the outcome over, before anyone can
   * see it; set by the job's creator. */
  void (*on_outcome) (GisleJob *job, const GError *error);
  gboolean failed;               /* set before the outcome is handed over */

  /* Outcome */
  volatile gint completed;       /* atomic: 1 once the outcome is handed over */
  GVariant *result;
  GError *error;
  gboolean queued;               /* in worker->queue; under worker lock */
  GList queue_link;              /* worker->queue's link to this job */

  /* Made by the submitting thread, so the worker allocates nothing to hand
   * the outcome over, and the receiving thread frees nothing it did not
   * allocate. */
  GisleEvent completion;
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

/* What the cancellation signal handler needs, reachable from a
 * thread-local pointer on the worker thread. Written only by the worker
 * thread itself; the handler interrupts that same thread, so plain volatile
 * access with signal fences is enough. */
typedef struct
{
  GisleWorker *worker;
  GisleJob *volatile job;
  lua_State *volatile stack[GISLE_MAX_RESUME_DEPTH];
  volatile int depth;
  volatile int sampling;         /* in the profiler's hook (gisle-profile.c) */
  volatile int in_hooks;         /* in the registered hook (the debugger's) */
  /* The profiler's timer for the job in Lua now, if any (gisle-profile.c). */
  timer_t sample_timer;
  gboolean sample_timer_created;
  guint sample_rate;
  /* Registered hooks (the debugger), or NULL; set once, atomic. */
  const GisleRunHooks *hooks;
  gpointer hooks_data;
} GisleRun;

/* A sampler (the profiler) registered with gisle_cancel_set_sampler(): the
 * one-shot count hook its signal arms, and what it does as a job enters
 * and leaves Lua (on the worker thread). */
typedef struct
{
  lua_Hook hook;
  void   (*enter_lua) (GisleRun *run);
  void   (*leave_lua) (GisleRun *run);
} GisleSampler;

/* How the floors below the worker (jobs, host calls, the delivery queue,
 * the cancel policy) hold and reach the worker they belong to without
 * calling the file above them. */
typedef struct
{
  GisleWorker *(*ref) (GisleWorker *worker);
  gboolean (*try_ref) (GisleWorker *worker);  /* FALSE: being freed */
  void     (*unref)   (GisleWorker *worker);
  /* The cancel policy's last resort, at the hard deadline. */
  void     (*make_defunct) (GisleWorker *worker,
                            GisleJob    *stuck);
} GisleOwnerClass;

struct _GisleWorker
{
  gint ref_count;                 /* atomic (inline builtins, visible to TSan) */
  const GisleOwnerClass *owner_class;  /* set at creation */

  /* Configuration, fixed once the thread starts. */
  char *thread_name;
  guint queue_capacity;
  guint64 memory_limit;
  GIsleLibraries libraries;
  char *setup_code;
  GIsleSetupFunc setup_func;
  gpointer setup_data;
  GDestroyNotify setup_notify;
  volatile gint default_timeout_ms;    /* milliseconds, atomic */
  volatile gint grace_ms;
  volatile gint hard_ms;

  GMainContext *owner_context;   /* thread-default context at construction */
  GThread *home_thread;          /* the thread that created the isle */
  GWeakRef isle;                 /* the GIsle, for signal emission */
  const GisleSignalSink *signals; /* how to emit them; set once by the GIsle */

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
  GHashTable *host_functions;    /* name -> GisleHostFunction */

  volatile gint64 next_job_id;   /* atomic */

  /* Memory accounting (the allocator runs on the worker only; the counter
   * is read from anywhere). */
  volatile gsize memory_in_use;

  /* Worker-thread-only state. */
  lua_State *L;
  GisleRun run;
  GisleJob *running_job;         /* the job whose Lua code runs now */

  /* The sampling profiler's GisleProfile, or NULL; under the profile lock
   * (gisle-profile.c). */
  gpointer profile;

  /* Delivery to main contexts, under @dispatch_lock. */
  GMutex dispatch_lock;
  GPtrArray *dispatchers;        /* GisleDispatcher, one per context */
  gsize output_pending;          /* bytes queued, not yet emitted */
  GCond output_cond;             /* the worker waits for output room */
};

/* The isle a Lua state belongs to: the state's extra space holds it (see
 * gisle_state_new()). Inline, so the floors that run inside Lua (output,
 * sandbox, host functions) need nothing from the ones above them. */
static inline GisleWorker *
gisle_worker_from_lua (lua_State *L)
{
  return *(GisleWorker **) lua_getextraspace (L);
}

G_END_DECLS
