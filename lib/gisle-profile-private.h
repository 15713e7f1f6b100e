/* gisle-profile-private.h: the sampling profiler's internal entry points
 * (see gisle-profile.c). The data these functions share is in
 * gisle-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-private.h"

G_BEGIN_DECLS

void         gisle_profile_hook        (lua_State   *L,
                                        lua_Debug   *ar);
gboolean     gisle_profile_start       (GisleWorker *worker,
                                        guint        rate_hz,
                                        GError     **error);
GVariant    *gisle_profile_stop        (GisleWorker *worker,
                                        char       **folded);
gboolean     gisle_profile_is_running  (GisleWorker *worker);
void         gisle_profile_enter_lua   (GisleRun    *run);
void         gisle_profile_leave_lua   (GisleRun    *run);

G_END_DECLS
