/* gisle-job-private.h: making, running, completing and waiting for jobs
 * (see gisle-job.c). The data these functions share is in
 * gisle-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-private.h"

G_BEGIN_DECLS

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

G_END_DECLS
