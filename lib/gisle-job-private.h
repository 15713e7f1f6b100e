/* gisle-job-private.h: making, running, completing and waiting for jobs
 * (see gisle-job.c). Its structs are private
 * to it; what the floors share is in gisle-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-private.h"

G_BEGIN_DECLS

GisleJob    *gisle_job_new             (GisleWorker *worker,
                                        GisleJobKind kind);
GisleJob    *gisle_job_ref             (GisleJob    *job);
GisleWorker *gisle_job_get_worker      (GisleJob    *job);
GisleJobKind gisle_job_get_kind        (GisleJob    *job);
guint64      gisle_job_get_id          (GisleJob    *job);
gboolean     gisle_job_is_internal     (GisleJob    *job);

/* What it runs and how it completes: set before it is submitted. */
typedef void (*GisleJobOutcomeFunc) (GisleJob     *job,
                                     const GError *error);
void         gisle_job_set_chunk       (GisleJob    *job,
                                        const char  *code,
                                        const char  *chunk_name);
void         gisle_job_set_call        (GisleJob    *job,
                                        const char  *function,
                                        GVariant    *args);
void         gisle_job_set_exec        (GisleJob    *job,
                                        GIsleExecFunc func,
                                        gpointer     data,
                                        GDestroyNotify notify);
void         gisle_job_set_control     (GisleJob    *job,
                                        GisleControlFunc func,
                                        gpointer     data,
                                        GDestroyNotify notify);
void         gisle_job_set_setup       (GisleJob    *job,
                                        GIsleSetupFunc func,
                                        gpointer     data,
                                        const char  *code);
void         gisle_job_set_timeout     (GisleJob    *job,
                                        guint        timeout_ms);
guint        gisle_job_get_timeout     (GisleJob    *job);
void         gisle_job_set_task        (GisleJob    *job,
                                        GTask       *task);
void         gisle_job_set_sync        (GisleJob    *job);
void         gisle_job_set_on_outcome  (GisleJob    *job,
                                        GisleJobOutcomeFunc on_outcome);
void         gisle_job_connect_cancellable (GisleJob     *job,
                                        GCancellable *cancellable,
                                        GCallback     on_cancelled);
gboolean     gisle_job_is_cancelled_by_caller (GisleJob *job);

/* Its cancel state (gisle-cancel.c) and its place in its worker's queue
 * (under the worker lock). */
GisleCancelState *gisle_job_get_cancel (GisleJob    *job);
GisleJobSuspend *gisle_job_get_suspend (GisleJob    *job);
GisleCancelPhase gisle_job_cancel_phase (GisleJob   *job);
gboolean     gisle_job_is_completed    (GisleJob    *job);
void         gisle_job_enqueue         (GisleJob    *job,
                                        GQueue      *queue);
void         gisle_job_enqueue_first   (GisleJob    *job,
                                        GQueue      *queue);
GisleJob    *gisle_job_pop             (GQueue      *queue);
gboolean     gisle_job_unqueue         (GisleJob    *job,
                                        GQueue      *queue);

void         gisle_job_unref           (GisleJob    *job);
/* Returns FALSE when the job suspended in a wait (see gisle_job_resume()). */
gboolean     gisle_job_run             (GisleJob    *job,
                                        lua_State   *L);
gboolean     gisle_job_resume          (GisleJob    *job,
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

G_END_DECLS
