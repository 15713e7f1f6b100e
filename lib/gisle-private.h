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
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <signal.h>
#include <pthread.h>
#include <time.h>
#include <lua.h>

#include "gisle.h"
#include "gisle-lock-private.h"
#include "gisle-executor-private.h"
#include "gisle-watchdog-private.h"

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

struct _GisleWorker
{
  gint ref_count;                 /* atomic (inline builtins, visible to TSan) */

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

/* gisle-worker.c */
GisleWorker *gisle_worker_new          (void);
GisleWorker *gisle_worker_ref          (GisleWorker *worker);
gboolean     gisle_worker_try_ref      (GisleWorker *worker);
void         gisle_worker_unref        (GisleWorker *worker);
gboolean     gisle_worker_ensure_started (GisleWorker *worker,
                                        GisleJob   **running_setup,
                                        GError     **error);
void         gisle_worker_wait_setup_async (GisleWorker *worker,
                                        GisleJob    *waiter);
gboolean     gisle_worker_submit       (GisleWorker *worker,
                                        GisleJob    *job,
                                        gboolean     wait_for_room);
void         gisle_worker_close        (GisleWorker *worker,
                                        GisleJob    *close_job);
void         gisle_worker_cancel_all   (GisleWorker *worker);
void         gisle_worker_submit_control (GisleWorker    *worker,
                                        GisleControlFunc func,
                                        char           *data);
gboolean     gisle_worker_is_self      (GisleWorker *worker);
gboolean     gisle_worker_in_any_worker (void);
gboolean     gisle_worker_waiting_could_deadlock (GisleWorker *worker);
void         gisle_worker_make_defunct (GisleWorker *worker,
                                        GisleJob    *stuck);

/* gisle-isle-executor.c */
GisleExecutor *gisle_isle_executor_get_core (GIsleExecutor *executor);

/* gisle-state.c */
lua_State   *gisle_state_new           (GisleWorker *worker);
gboolean     gisle_state_open          (GisleWorker *worker,
                                        lua_State   *L,
                                        GError     **error);

/* gisle-job.c */
GisleJob    *gisle_job_new             (GisleWorker *worker,
                                        GisleJobKind kind);
GisleJob    *gisle_job_ref             (GisleJob    *job);
void         gisle_job_unref           (GisleJob    *job);
void         gisle_job_run             (GisleJob    *job,
                                        lua_State   *L);
void         gisle_job_complete        (GisleJob    *job,
                                        GVariant    *result,
                                        GError      *error);
gboolean     gisle_job_claim           (GisleJob    *job);
void         gisle_job_deliver         (GisleJob    *job,
                                        GVariant    *result,
                                        GError      *error);
void         gisle_job_wait_done       (GisleJob    *job,
                                        gboolean     serve_owner);
GVariant    *gisle_job_wait            (GisleJob    *job,
                                        gboolean     serve_owner,
                                        GError     **error);
void         gisle_job_nudge_waiter    (GisleJob    *job,
                                        GisleWorker *worker);
GError      *gisle_job_cancelled_error (gint         reason);
void         gisle_job_finish_task     (GisleJob    *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GisleJob, gisle_job_unref)

/* gisle-cancel.c: the Lua side; gisle-worker-cancel.c: the policy */
void         gisle_cancel_init_process (void);
void         gisle_cancel_signal_thread (pthread_t  thread);
void         gisle_cancel_open         (lua_State   *L);
void         gisle_cancel_request      (GisleJob    *job,
                                        gint         reason);
void         gisle_cancel_job_started  (GisleJob    *job);
void         gisle_cancel_job_ended_locked (GisleJob *job);
void         gisle_cancel_enter_lua    (GisleWorker *worker,
                                        GisleJob    *job,
                                        lua_State   *L);
void         gisle_cancel_leave_lua    (GisleWorker *worker);
gboolean     gisle_cancel_is_requested (lua_State   *L);
gboolean     gisle_cancel_is_due       (lua_State   *L);
G_NORETURN
void         gisle_cancel_raise        (lua_State   *L);
void         gisle_cancel_check        (lua_State   *L);
gboolean     gisle_cancel_is_sentinel  (lua_State   *L,
                                        int          idx);
GisleJob    *gisle_cancel_current_job  (lua_State   *L);
GisleRun    *gisle_cancel_get_run      (void);
void         gisle_cancel_restore_hook (lua_State   *L);
void         gisle_cancel_signal_sample (pthread_t  thread);
gboolean     gisle_cancel_register_hooks (GisleWorker        *worker,
                                        const GisleRunHooks *hooks,
                                        gpointer            data);
void         gisle_cancel_signal_hooks (pthread_t  thread);
void         gisle_cancel_report_error (lua_State   *L);
void         gisle_cancel_set_hook     (lua_State   *L,
                                        lua_Hook     hook,
                                        int          mask);
int          gisle_cancel_push_state   (lua_State   *L);
void         gisle_cancel_pop_state    (int          depth);
void         gisle_cancel_pause_clock_locked (GisleJob *job,
                                        gint64      *remaining_us);
void         gisle_cancel_resume_clock_locked (GisleJob *job,
                                        gint64       remaining_us);
void         gisle_cancel_sample_sigevent (struct sigevent *event);

/* gisle-profile.c */
void         gisle_profile_hook        (lua_State   *L,
                                        lua_Debug   *ar);
gboolean     gisle_profile_start       (GisleWorker *worker,
                                        guint        rate_hz,
                                        GError     **error);
GVariant    *gisle_profile_stop        (GisleWorker *worker,
                                        char       **folded);
gboolean     gisle_profile_is_running  (GisleWorker *worker);
void         gisle_profile_enter_lua   (GisleRun    *run);
void         gisle_profile_leave_lua   (GisleRun    *run);

/* gisle-isle.c */
GisleWorker *gisle_isle_get_worker     (GIsle       *self);

/* gisle-dispatch.c */
void         gisle_dispatch_complete   (GisleWorker  *worker,
                                        GMainContext *context,
                                        GisleEvent   *event);
void         gisle_dispatch_output     (GisleWorker *worker,
                                        guint64      job_id,
                                        GIsleStream  stream,
                                        const char  *data,
                                        gsize        len);
/* Takes ownership of @value. */
void         gisle_dispatch_event      (GisleWorker *worker,
                                        const char  *name,
                                        GVariant    *value);
void         gisle_dispatch_progress   (GisleWorker *worker,
                                        guint64      job_id,
                                        double       fraction,
                                        const char  *text);
void         gisle_dispatch_notify     (GisleWorker *worker,
                                        const char  *property);
void         gisle_dispatch_invoke     (GisleWorker *worker,
                                        GSourceFunc  func,
                                        gpointer     data,
                                        GDestroyNotify notify);
void         gisle_dispatch_free_all   (GisleWorker *worker);
void         gisle_dispatch_serve_owner (GisleWorker *worker);
void         gisle_dispatch_nudge_blocked_caller (GisleWorker *worker);
void         gisle_dispatch_forget_worker (GisleWorker *worker);

/* A blocking call made by a thread that owns a main context serves that
 * context while it waits (gisle-dispatch.c). */
typedef struct _GisleBlockedCall GisleBlockedCall;
struct _GisleBlockedCall
{
  GMainContext *context;
  /* Tells the waiter that @worker has work in the context for it. */
  void (*nudge) (gpointer waiter, GisleWorker *worker);
  gpointer waiter;
  GisleWorker *waiter_worker;    /* the isle it waits for */
  GisleBlockedCall *outer;
};
void         gisle_dispatch_block_begin (GisleBlockedCall *call,
                                         GMainContext     *context,
                                         GisleWorker      *worker,
                                         void            (*nudge) (gpointer     waiter,
                                                                   GisleWorker *worker),
                                         gpointer          waiter);
void         gisle_dispatch_block_end  (GisleBlockedCall *call);

/* gisle-host.c */
void         gisle_host_open           (lua_State   *L);
void         gisle_host_install_all    (GisleWorker *worker,
                                        lua_State   *L);
void         gisle_host_function_free  (gpointer     data);
gboolean     gisle_host_is_running     (GisleWorker *worker);
void         gisle_host_control_install (GisleWorker *worker,
                                        lua_State   *L,
                                        gpointer     name);
void         gisle_host_control_uninstall (GisleWorker *worker,
                                        lua_State   *L,
                                        gpointer     name);
void         gisle_host_cancel_job_calls (GisleWorker *worker,
                                        GCancellable *host_cancellable);
void         gisle_host_add            (GisleWorker *worker,
                                        const char  *name,
                                        int          flavour,
                                        gpointer     func,
                                        gpointer     user_data,
                                        GDestroyNotify notify);
gboolean     gisle_host_remove         (GisleWorker *worker,
                                        const char  *name);

/* gisle-invocation.c (the call is a GisleHostCall, see gisle-host-private.h) */
GIsleInvocation *gisle_invocation_new  (GIsle       *isle,
                                        gpointer     call);

G_END_DECLS
