/* gisle-debug-core-private.h: the debugger's state shared by the public
 * object (gisle-debugger.c, any thread) and the worker side
 * (gisle-debugger-hook.c, the worker thread).
 *
 * One GisleDebugCore per worker, made when the first debugger attaches,
 * registered with the cancel mechanism (GisleRunHooks) and freed with the
 * worker, so the hook never reaches freed memory whatever the debugger
 * object does. A GIsleDebugger attaches to it and detaches from it.
 *
 * The functions of each file are declared in its own header
 * (gisle-debugger-hook-private.h, gisle-debugger-values-private.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-private.h"
#include "gisle-types.h"

G_BEGIN_DECLS

/* Values nested deeper than this become a ("table", text) marker. */
#define GISLE_DEBUG_DEFAULT_DEPTH 2
/* At most this many entries of one table are shown. */
#define GISLE_DEBUG_MAX_ENTRIES 1000

typedef struct
{
  guint id;
  guint line;
  char *chunk;                   /* as given, without a leading = or @ */
  char *condition;               /* or NULL */
} GisleBreakpoint;

/* An immutable snapshot of the breakpoints, replaced as a whole when they
 * change, so the hook reads it without a lock (g_atomic_rc_box). */
typedef struct
{
  GHashTable *by_chunk;          /* chunk -> GPtrArray of GisleBreakpoint, by line */
  guint count;
} GisleBreakpointSet;

typedef enum {
  GISLE_DEBUG_RUN,               /* not paused */
  GISLE_DEBUG_PAUSED,
  GISLE_DEBUG_RESUME,            /* commands, until the worker takes them */
  GISLE_DEBUG_STEP_INTO,
  GISLE_DEBUG_STEP_OVER,
  GISLE_DEBUG_STEP_OUT,
} GisleDebugState;

typedef enum {
  GISLE_DEBUG_REQ_STACK,
  GISLE_DEBUG_REQ_VARIABLES,
  GISLE_DEBUG_REQ_EVALUATE,
  GISLE_DEBUG_REQ_SET_LOCAL,
} GisleDebugRequestKind;

/* A question for the paused worker. Made by the asking thread, served by
 * the worker, completed in the asker's context (async) or by waking it. */
typedef struct
{
  GisleDebugRequestKind kind;
  guint frame;
  char *text;                    /* EVALUATE: expression; SET_LOCAL: name */
  GVariant *value;               /* SET_LOCAL */
  guint max_depth;
  GTask *task;                   /* async, or NULL */
  /* Sync: under the core's lock. */
  gboolean done;
  GVariant *result;
  GError *error;
  GList link;
} GisleDebugRequest;

/* A frame by its activation record (lua_getstack's, which names the frame
 * by its CallInfo): still right while the worker runs questions on top of
 * the paused stack, where levels would shift. */
typedef struct
{
  lua_State *L;
  lua_Debug ar;
  guint coroutine;               /* 0: the job's state; n: the nth resumed */
} GisleDebugFrame;

typedef struct _GisleDebugCore GisleDebugCore;

/* How the worker side reaches the public object above it: registered by
 * gisle-debugger.c when it makes the core. Called on the worker thread;
 * each queues its work for the isle's main context. */
typedef struct
{
  /* @request has its result or error: hand it to its asker. */
  void (*complete) (GisleDebugCore    *core,
                    GisleDebugRequest *request);
  void (*paused)   (GisleDebugCore    *core,
                    guint              serial,
                    GIslePauseReason   reason,
                    const char        *chunk,
                    int                line,
                    const char        *message);
  void (*resumed)  (GisleDebugCore    *core,
                    guint              serial);
} GisleDebugSink;
struct _GisleDebugCore
{
  GisleWorker *worker;           /* not owned: the core dies with it */
  const GisleDebugSink *sink;

  /* Under @lock: the attached debugger and its breakpoints. */
  GMutex lock;
  GCond cond;                    /* sync requests wait here */
  GWeakRef object;               /* the attached GIsleDebugger */
  gboolean attached;
  guint next_id;
  GPtrArray *breakpoints;        /* GisleBreakpoint */
  GisleBreakpointSet *set;       /* the published snapshot (a ref) */

  /* Read lock-free by the hook and the signal handler. */
  volatile gint attached_flag;
  volatile gint n_breakpoints;
  volatile gint generation;      /* bumped when @set changes */
  volatile gint pause_requested;
  volatile gint pause_on_error;
  volatile gint stepping;        /* worker-written: a step is pending */
  volatile gint max_depth;
  volatile gint serial;          /* bumped at each attach: events find their debugger */

  /* Under worker->lock: the pause. The worker waits on worker->work_cond,
   * which a cancel and a close also signal. */
  GisleDebugState state;
  GQueue requests;               /* GisleDebugRequest */

  /* Worker thread only. */
  gboolean in_eval;              /* running Lua for a query or a condition */
  const GisleDebugFrame *eval_frame;  /* the frame that code runs in, meanwhile */
  GisleBreakpointSet *cache_set; /* a ref */
  gint cache_generation;
  const char *cache_source;      /* the last chunk looked up, by address */
  char *cache_source_copy;       /* and by text, in case the address was reused */
  GPtrArray *cache_source_lines;
  lua_State *cache_L;            /* the state and frame whose breakpoints ... */
  void *cache_ci;
  GPtrArray *cache_lines;        /* ... are these, or NULL */
  lua_State *caller_L;           /* the same, for the caller of the last */
  void *caller_ci;               /* function called (see the return event) */
  GPtrArray *caller_lines;
  GisleDebugState step;          /* STEP_* or RUN */
  lua_State *step_L;
  int step_depth;
  /* While paused: the frames, innermost first, and how they are reached. */
  GArray *frames;                /* GisleDebugFrame */
};

G_END_DECLS
