/* gisle-isle-executor-private.h: the generic executor behind a GIsleExecutor
 * (see gisle-isle-executor.c). The data these functions share is in
 * gisle-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-private.h"

G_BEGIN_DECLS

GisleExecutor *gisle_isle_executor_get_core (GIsleExecutor *executor);

G_END_DECLS
