/* gisle-owner.c: how the floors below the worker reach the worker they
 * belong to, without calling the file above them.
 *
 * Floor 1 (base): a class of functions the worker registers once
 * (gisle_worker_new()) and plain calls through it. There is one worker
 * implementation; the white-box tests of the lowest floors need none.
 *
 * Thread rule: set once before any worker exists, read from any thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-owner-private.h"

static const GisleOwnerClass *gisle_owner_class;

/* Each new worker registers the class; only the first call writes. */
void
gisle_owner_set_class (const GisleOwnerClass *klass)
{
  if (g_atomic_pointer_get (&gisle_owner_class) == NULL)
    g_atomic_pointer_compare_and_exchange (&gisle_owner_class, NULL, klass);
  g_assert (g_atomic_pointer_get (&gisle_owner_class) == klass);
}

/* Set before the first worker was made, which happened before any of these
 * can be called; an atomic load is a plain one on the machines we run on. */
#define KLASS ((const GisleOwnerClass *) g_atomic_pointer_get (&gisle_owner_class))

GisleWorker *
gisle_owner_ref (GisleWorker *worker)
{
  return KLASS->ref (worker);
}

gboolean
gisle_owner_try_ref (GisleWorker *worker)
{
  return KLASS->try_ref (worker);
}

void
gisle_owner_unref (GisleWorker *worker)
{
  KLASS->unref (worker);
}

void
gisle_owner_make_defunct (GisleWorker *worker,
                          GisleJob    *stuck)
{
  KLASS->make_defunct (worker, stuck);
}

GisleDelivery *
gisle_owner_get_delivery (GisleWorker *worker)
{
  return KLASS->get_delivery (worker);
}

GisleRun *
gisle_owner_get_run (GisleWorker *worker)
{
  return KLASS->get_run (worker);
}

GisleCancelPolicy *
gisle_owner_get_cancel_policy (GisleWorker *worker)
{
  return KLASS->get_cancel_policy (worker);
}

GisleStateConfig *
gisle_owner_get_state_config (GisleWorker *worker)
{
  return KLASS->get_state_config (worker);
}

GHashTable *
gisle_owner_get_host_functions (GisleWorker *worker)
{
  return KLASS->get_host_functions (worker);
}

GMutex *
gisle_owner_get_lock (GisleWorker *worker)
{
  return KLASS->get_lock (worker);
}

GCond *
gisle_owner_get_wake (GisleWorker *worker)
{
  return KLASS->get_wake (worker);
}

gboolean
gisle_owner_unqueue_locked (GisleWorker *worker,
                            GisleJob    *job)
{
  return KLASS->unqueue_locked (worker, job);
}

gboolean
gisle_owner_running_locked (GisleWorker *worker,
                            GisleJob    *job,
                            pthread_t   *thread,
                            gboolean    *defunct)
{
  return KLASS->running_locked (worker, job, thread, defunct);
}

guint64
gisle_owner_next_job_id (GisleWorker *worker)
{
  return KLASS->next_job_id (worker);
}

GisleWorkerSuspend *
gisle_owner_get_suspend (GisleWorker *worker)
{
  return KLASS->get_suspend (worker);
}

gboolean
gisle_owner_wake_locked (GisleWorker *worker)
{
  return KLASS->wake_locked (worker);
}

void
gisle_owner_wake (GisleWorker *worker)
{
  KLASS->wake (worker);
}

void
gisle_owner_schedule (GisleWorker *worker)
{
  KLASS->schedule (worker);
}
