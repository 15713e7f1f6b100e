/* gisle-worker-cancel-private.h: the worker's cancel policy
 * (see gisle-worker-cancel.c). The data these functions share is in
 * gisle-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-private.h"

G_BEGIN_DECLS

void         gisle_cancel_request      (GisleJob    *job,
                                        gint         reason);
void         gisle_cancel_job_started  (GisleJob    *job);
void         gisle_cancel_job_ended_locked (GisleJob *job);
void         gisle_cancel_pause_clock_locked (GisleJob *job,
                                        gint64      *remaining_us);
void         gisle_cancel_resume_clock_locked (GisleJob *job,
                                        gint64       remaining_us);

G_END_DECLS
