/* gisle-worker-private.h: the worker's functions: lifecycle, queue, submission
 * (see gisle-worker.c). The worker's fields are private to gisle-worker.c;
 * the floors below it reach it through gisle-owner-private.h.
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

/* Its configuration, set by the isle before the thread starts. */
void         gisle_worker_set_thread_name (GisleWorker *worker,
                                        const char  *name);
const char  *gisle_worker_get_thread_name (GisleWorker *worker);
void         gisle_worker_set_queue_capacity (GisleWorker *worker,
                                        guint        capacity);
guint        gisle_worker_get_queue_capacity (GisleWorker *worker);
void         gisle_worker_set_setup_code (GisleWorker *worker,
                                        const char  *code);
const char  *gisle_worker_get_setup_code (GisleWorker *worker);
gboolean     gisle_worker_set_setup_func (GisleWorker    *worker,
                                        GIsleSetupFunc  func,
                                        gpointer        data,
                                        GDestroyNotify  notify);
void         gisle_worker_set_executor (GisleWorker   *worker,
                                        GisleExecutor *executor);
void         gisle_worker_set_name     (GisleWorker *worker,
                                        const char  *name);
const char  *gisle_worker_get_name     (GisleWorker *worker);

gboolean     gisle_worker_is_home_thread (GisleWorker *worker);
GHashTable  *gisle_worker_take_host_functions (GisleWorker *worker);
gboolean     gisle_worker_is_closing   (GisleWorker *worker);
gboolean     gisle_worker_is_closed    (GisleWorker *worker);
gboolean     gisle_worker_is_defunct   (GisleWorker *worker);
gboolean     gisle_worker_is_defunct_locked (GisleWorker *worker);
void         gisle_worker_signal_hooks (GisleWorker *worker);

/* For the profiler: the per-run record, and a sample of the running job. */
GisleRun    *gisle_worker_get_run      (GisleWorker *worker);
void         gisle_worker_signal_sample (GisleWorker *worker);

G_END_DECLS
