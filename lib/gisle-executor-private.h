/* gisle-executor-private.h: a few threads taking turns at many items.
 *
 * Floor: above the locks (gisle-lock-private.h), below everything that
 * knows about Lua or isles. The executor runs items, each a {run_slice,
 * release, data} record embedded in its owner: it knows nothing of what a
 * turn does. An item is in line (scheduled) by its owner's decision, runs
 * on at most one thread at a time, and says after each turn whether it has
 * more to do.
 *
 * Thread rule: every function here may be called from any thread; run_slice
 * and release run on executor threads.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _GisleExecutor GisleExecutor;

/* What an executor thread does with an item after one turn. */
typedef enum {
  GISLE_SLICE_IDLE,       /* nothing left: it waits to be scheduled again */
  GISLE_SLICE_MORE,       /* more to do: back in line */
  GISLE_SLICE_EXITED,     /* finished for good: the executor lets it go */
  GISLE_SLICE_ABANDONED,  /* finished on a thread that was replaced meanwhile */
} GisleSlice;

typedef struct
{
  /* Set by the owner before attaching. */
  GisleSlice (*run_slice) (gpointer data);
  void (*release) (gpointer data);   /* once the executor lets the item go */
  gpointer data;
  char *name;                        /* for gisle_executor_find(), or NULL */

  /* The executor's, under its lock. */
  gboolean forgotten;                /* no longer counted or found */
} GisleExecutorItem;

GisleExecutor *gisle_executor_new      (guint              n_threads);
GisleExecutor *gisle_executor_ref      (GisleExecutor     *executor);
void           gisle_executor_unref    (GisleExecutor     *executor);
guint          gisle_executor_get_n_threads (GisleExecutor *executor);
void           gisle_executor_attach   (GisleExecutor     *executor,
                                        GisleExecutorItem *item);
void           gisle_executor_schedule (GisleExecutor     *executor,
                                        GisleExecutorItem *item);
void           gisle_executor_forget   (GisleExecutor     *executor,
                                        GisleExecutorItem *item);
void           gisle_executor_replace_thread (GisleExecutor *executor);
guint          gisle_executor_count    (GisleExecutor     *executor);
gpointer       gisle_executor_find     (GisleExecutor     *executor,
                                        const char        *name,
                                        gpointer         (*try_get) (gpointer data));
void           gisle_executor_shut_down (GisleExecutor    *executor);

G_END_DECLS
