/* gisle-bridge-private.h: the functions of gisle-bridge.c, GObject proxies
 * in Lua, the top floor of the object bridge. Its lower floors declare
 * theirs in gisle-bridge-gi-private.h and gisle-bridge-values-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-private.h"
#include "gisle-isle-private.h"

G_BEGIN_DECLS

/* gisle-bridge.c */
void         gisle_bridge_install_all    (GisleWorker *worker,
                                          lua_State   *L);
void         gisle_bridge_forget_all     (GisleWorker *worker);

G_END_DECLS
