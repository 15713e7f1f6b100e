/* gisle-owner-private.h: the worker as the floors below it see it: an
 * opaque handle, and the functions the worker registers for it (see
 * gisle-owner.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <pthread.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct _GisleWorker       GisleWorker;
typedef struct _GisleJob          GisleJob;
typedef struct _GisleRun          GisleRun;
typedef struct _GisleDelivery     GisleDelivery;
typedef struct _GisleCancelPolicy GisleCancelPolicy;
typedef struct _GisleStateConfig  GisleStateConfig;
typedef struct _GisleWorkerSuspend GisleWorkerSuspend;

/* What the floors below the worker (jobs, host functions, the delivery
 * queue, the cancel policy, the Lua state) need of the worker they belong
 * to. Their own records (the delivery queue's, the per-run record, the
 * policy's, the allocator's, the host-function table) are made by the
 * worker and reached through it; the worker's own fields stay in
 * gisle-worker.c. */
typedef struct
{
  GisleWorker *(*ref) (GisleWorker *worker);
  gboolean (*try_ref) (GisleWorker *worker);  /* FALSE: being freed */
  void     (*unref)   (GisleWorker *worker);
  /* The cancel policy's last resort, at the hard deadline. */
  void     (*make_defunct) (GisleWorker *worker,
                            GisleJob    *stuck);

  /* The records of the floors below, held by the worker. */
  GisleDelivery     *(*get_delivery)      (GisleWorker *worker);
  GisleRun          *(*get_run)           (GisleWorker *worker);
  GisleCancelPolicy *(*get_cancel_policy) (GisleWorker *worker);
  GisleStateConfig  *(*get_state_config)  (GisleWorker *worker);
  GHashTable        *(*get_host_functions) (GisleWorker *worker);

  /* The worker's lock, and the condition it broadcasts on every cancel:
   * a wait of the worker thread on them wakes when its job is stopped. */
  GMutex  *(*get_lock) (GisleWorker *worker);
  GCond   *(*get_wake) (GisleWorker *worker);

  /* For the cancel policy, under the lock: takes @job out of the queue
   * (TRUE: it was queued; the caller has the queue's reference), and
   * whether @job runs now, on which thread, and whether the isle
   * went defunct. */
  gboolean (*unqueue_locked) (GisleWorker *worker,
                              GisleJob    *job);
  gboolean (*running_locked) (GisleWorker *worker,
                              GisleJob    *job,
                              pthread_t   *thread,
                              gboolean    *defunct);

  guint64  (*next_job_id) (GisleWorker *worker);

  /* Suspended waits (gisle-suspend.c): the worker's record, and waking a
   * job parked in a wait, under the lock (TRUE: the caller must schedule
   * the isle's turn once unlocked) or from any thread. */
  GisleWorkerSuspend *(*get_suspend) (GisleWorker *worker);
  gboolean (*wake_locked) (GisleWorker *worker);
  void     (*wake)        (GisleWorker *worker);
  /* Puts the isle's turn in line on its executor (after wake_locked). */
  void     (*schedule)    (GisleWorker *worker);
} GisleOwnerClass;

void               gisle_owner_set_class  (const GisleOwnerClass *klass);

GisleWorker       *gisle_owner_ref        (GisleWorker *worker);
gboolean           gisle_owner_try_ref    (GisleWorker *worker);
void               gisle_owner_unref      (GisleWorker *worker);
void               gisle_owner_make_defunct (GisleWorker *worker,
                                          GisleJob    *stuck);
GisleDelivery     *gisle_owner_get_delivery (GisleWorker *worker);
GisleRun          *gisle_owner_get_run    (GisleWorker *worker);
GisleCancelPolicy *gisle_owner_get_cancel_policy (GisleWorker *worker);
GisleStateConfig  *gisle_owner_get_state_config (GisleWorker *worker);
GHashTable        *gisle_owner_get_host_functions (GisleWorker *worker);
GMutex            *gisle_owner_get_lock   (GisleWorker *worker);
GCond             *gisle_owner_get_wake   (GisleWorker *worker);
gboolean           gisle_owner_unqueue_locked (GisleWorker *worker,
                                           GisleJob    *job);
gboolean           gisle_owner_running_locked (GisleWorker *worker,
                                           GisleJob    *job,
                                           pthread_t   *thread,
                                           gboolean    *defunct);
guint64            gisle_owner_next_job_id (GisleWorker *worker);
GisleWorkerSuspend *gisle_owner_get_suspend (GisleWorker *worker);
gboolean           gisle_owner_wake_locked (GisleWorker *worker);
void               gisle_owner_wake       (GisleWorker *worker);
void               gisle_owner_schedule   (GisleWorker *worker);

G_END_DECLS
