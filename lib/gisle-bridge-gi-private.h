/* gisle-bridge-gi-private.h: the functions of gisle-bridge-gi.c, method
 * calls through typelibs, above the bridge's values.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-bridge-values-private.h"

G_BEGIN_DECLS

/* gisle-bridge-gi.c, in the object's main context. */
gboolean          gisle_bridge_gi_has_method  (GObject          *object,
                                               const char       *name,
                                               GError          **error);
GPtrArray        *gisle_bridge_gi_call        (GObject          *object,
                                               const char       *name,
                                               GPtrArray        *args,
                                               GError          **error);
gboolean          gisle_bridge_gi_require     (const char       *namespace_,
                                               const char       *version,
                                               GError          **error);
GPtrArray        *gisle_bridge_gi_call_static (const char       *namespace_,
                                               const char       *container,
                                               const char       *name,
                                               GPtrArray        *args,
                                               GError          **error);

G_END_DECLS
