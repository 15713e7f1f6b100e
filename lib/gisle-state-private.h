/* gisle-state-private.h: making and opening an isle's Lua state
 * (see gisle-state.c). The data these functions share is in
 * gisle-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-private.h"

G_BEGIN_DECLS

lua_State   *gisle_state_new           (GisleWorker *worker);
gboolean     gisle_state_open          (GisleWorker *worker,
                                        lua_State   *L,
                                        GError     **error);
/* Floors above the state (the object bridge) install what every new state
 * of an isle must have through these, run by gisle_state_open() on the
 * worker thread after the host functions. Idempotent; never removed. */
typedef void (*GisleStateInstaller) (GisleWorker *worker,
                                     lua_State   *L);
void         gisle_state_add_installer (GisleStateInstaller install);

G_END_DECLS
