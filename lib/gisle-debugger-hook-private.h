/* gisle-debugger-hook-private.h: the debugger's worker side
 * (see gisle-debugger-hook.c). The data these functions share is in
 * gisle-debug-core-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-debug-core-private.h"

G_BEGIN_DECLS

extern const GisleRunHooks gisle_debug_run_hooks;
GisleDebugCore *gisle_debug_core_new     (GisleWorker          *worker,
                                          const GisleDebugSink *sink);
void            gisle_breakpoint_free    (gpointer        data);
void            gisle_breakpoint_set_free (gpointer       data);

G_END_DECLS
