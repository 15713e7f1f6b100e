/* gisle-worker-private.h: the worker's functions: lifecycle, queue, submission
 * (see gisle-worker.c). The data these functions share is in
 * gisle-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-private.h"

G_BEGIN_DECLS

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

G_END_DECLS
