/* gisle-worker-cancel-private.h: the worker's cancel policy
 * (see gisle-worker-cancel.c). Its structs are private
 * to it; what the floors share is in gisle-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-private.h"

G_BEGIN_DECLS

void         gisle_cancel_request      (GisleJob    *job,
                                        gint         reason);
void         gisle_cancel_job_started  (GisleCancelPolicy *policy,
                                        GisleJob    *job);
void         gisle_cancel_job_ended_locked (GisleCancelPolicy *policy);

GisleCancelPolicy *gisle_cancel_policy_new (guint grace_ms,
                                            guint hard_ms);
void         gisle_cancel_policy_free  (GisleCancelPolicy *policy);
guint        gisle_cancel_policy_get_timeout (GisleCancelPolicy *policy);
gboolean     gisle_cancel_policy_set_timeout (GisleCancelPolicy *policy,
                                              guint              ms);
guint        gisle_cancel_policy_get_grace (GisleCancelPolicy *policy);
gboolean     gisle_cancel_policy_set_grace (GisleCancelPolicy *policy,
                                            guint              ms);
guint        gisle_cancel_policy_get_hard (GisleCancelPolicy *policy);
gboolean     gisle_cancel_policy_set_hard (GisleCancelPolicy *policy,
                                           guint              ms);
void         gisle_cancel_cleanup_starts (GisleJob  *job);
void         gisle_cancel_pause_clock_locked (GisleJob *job,
                                        gint64      *remaining_us);
void         gisle_cancel_resume_clock_locked (GisleJob *job,
                                        gint64       remaining_us);

G_END_DECLS
