/* gisle-isle-private.h: what the floors above the GIsle use of it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-private.h"

G_BEGIN_DECLS

GisleWorker *gisle_isle_get_worker     (GIsle       *self);

/* Run in the thread that closes an isle, after g_isle_close() (@disposing
 * FALSE) and when the isle is disposed (@disposing TRUE), so the floors
 * above the isle (the object bridge, the profiler) release what they hold
 * for it without the isle knowing them. Registering is idempotent; hooks
 * are never removed. */
typedef void (*GisleIsleCloseHook) (GisleWorker *worker,
                                    gboolean     disposing);
void         gisle_isle_add_close_hook (GisleIsleCloseHook hook);

G_END_DECLS
