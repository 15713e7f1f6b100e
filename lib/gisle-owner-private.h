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

/* The registered class. Set before the first worker exists, so before any
 * of the calls below can be made; they dispatch through it inline (the
 * class is a table of functions, not the worker's layout). */
extern const GisleOwnerClass *gisle_owner_class;

#define GISLE_OWNER_CLASS ((const GisleOwnerClass *) g_atomic_pointer_get (&gisle_owner_class))

static inline GisleWorker *
gisle_owner_ref (GisleWorker *worker)
{
  return GISLE_OWNER_CLASS->ref (worker);
}

static inline gboolean
gisle_owner_try_ref (GisleWorker *worker)
{
  return GISLE_OWNER_CLASS->try_ref (worker);
}

static inline void
gisle_owner_unref (GisleWorker *worker)
{
  GISLE_OWNER_CLASS->unref (worker);
}

static inline void
gisle_owner_make_defunct (GisleWorker *worker,
                          GisleJob    *stuck)
{
  GISLE_OWNER_CLASS->make_defunct (worker, stuck);
}

static inline GisleDelivery *
gisle_owner_get_delivery (GisleWorker *worker)
{
  return GISLE_OWNER_CLASS->get_delivery (worker);
}

static inline GisleRun *
gisle_owner_get_run (GisleWorker *worker)
{
  return GISLE_OWNER_CLASS->get_run (worker);
}

static inline GisleCancelPolicy *
gisle_owner_get_cancel_policy (GisleWorker *worker)
{
  return GISLE_OWNER_CLASS->get_cancel_policy (worker);
}

static inline GisleStateConfig *
gisle_owner_get_state_config (GisleWorker *worker)
{
  return GISLE_OWNER_CLASS->get_state_config (worker);
}

static inline GHashTable *
gisle_owner_get_host_functions (GisleWorker *worker)
{
  return GISLE_OWNER_CLASS->get_host_functions (worker);
}

static inline GMutex *
gisle_owner_get_lock (GisleWorker *worker)
{
  return GISLE_OWNER_CLASS->get_lock (worker);
}

static inline GCond *
gisle_owner_get_wake (GisleWorker *worker)
{
  return GISLE_OWNER_CLASS->get_wake (worker);
}

static inline gboolean
gisle_owner_unqueue_locked (GisleWorker *worker,
                            GisleJob    *job)
{
  return GISLE_OWNER_CLASS->unqueue_locked (worker, job);
}

static inline gboolean
gisle_owner_running_locked (GisleWorker *worker,
                            GisleJob    *job,
                            pthread_t   *thread,
                            gboolean    *defunct)
{
  return GISLE_OWNER_CLASS->running_locked (worker, job, thread, defunct);
}

static inline guint64
gisle_owner_next_job_id (GisleWorker *worker)
{
  return GISLE_OWNER_CLASS->next_job_id (worker);
}

static inline GisleWorkerSuspend *
gisle_owner_get_suspend (GisleWorker *worker)
{
  return GISLE_OWNER_CLASS->get_suspend (worker);
}

static inline gboolean
gisle_owner_wake_locked (GisleWorker *worker)
{
  return GISLE_OWNER_CLASS->wake_locked (worker);
}

static inline void
gisle_owner_wake (GisleWorker *worker)
{
  GISLE_OWNER_CLASS->wake (worker);
}

static inline void
gisle_owner_schedule (GisleWorker *worker)
{
  GISLE_OWNER_CLASS->schedule (worker);
}

G_END_DECLS
