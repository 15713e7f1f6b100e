/* gisle-profile.h: GIsle's sampling profiler.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(GISLE_INSIDE) && !defined(GISLE_COMPILATION)
#error "Only <gisle.h> can be included directly."
#endif

#include "gisle-isle.h"

G_BEGIN_DECLS

GISLE_AVAILABLE_IN_ALL
gboolean        g_isle_profile_start       (GIsle                *self,
                                            guint                 rate_hz,
                                            GError              **error);
GISLE_AVAILABLE_IN_ALL
GVariant       *g_isle_profile_stop        (GIsle                *self,
                                            char                **folded);
GISLE_AVAILABLE_IN_ALL
gboolean        g_isle_is_profiling        (GIsle                *self);

G_END_DECLS
