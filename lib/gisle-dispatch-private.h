/* gisle-dispatch-private.h: the per-context delivery queue
 * (see gisle-dispatch.c). The data these functions share is in
 * gisle-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-private.h"

G_BEGIN_DECLS

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

G_END_DECLS
