/* gisle-bridge.h: the application's GObjects, exposed to scripts.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(GISLE_INSIDE) && !defined(GISLE_COMPILATION)
#error "Only <gisle.h> can be included directly."
#endif

#include "gisle-types.h"

G_BEGIN_DECLS

GISLE_AVAILABLE_IN_ALL
void            g_isle_expose_object       (GIsle                *self,
                                            const char           *name,
                                            GObject              *object);
GISLE_AVAILABLE_IN_ALL
void            g_isle_expose_object_full  (GIsle                *self,
                                            const char           *name,
                                            GObject              *object,
                                            GIsleExposeFlags      flags);
GISLE_AVAILABLE_IN_ALL
gboolean        g_isle_expose_namespace    (GIsle                *self,
                                            const char           *namespace_,
                                            const char           *version,
                                            GIsleExposeFlags      flags,
                                            GError              **error);
GISLE_AVAILABLE_IN_ALL
gboolean        g_isle_unexpose_object     (GIsle                *self,
                                            const char           *name);

G_END_DECLS
