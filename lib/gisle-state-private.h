/* gisle-state-private.h: making and opening an isle's Lua state
 * (see gisle-state.c). Its structs are private
 * to it; what the floors share is in gisle-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-private.h"

G_BEGIN_DECLS

/* How the worker's states are made (libraries, memory limit) and what
 * they use: made and held by the worker. */
GisleStateConfig *gisle_state_config_new (void);
void         gisle_state_config_free   (GisleStateConfig *config);
GIsleLibraries gisle_state_config_get_libraries (GisleStateConfig *config);
void         gisle_state_config_set_libraries (GisleStateConfig *config,
                                        GIsleLibraries    libraries);
guint64      gisle_state_config_get_memory_limit (GisleStateConfig *config);
void         gisle_state_config_set_memory_limit (GisleStateConfig *config,
                                        guint64           limit);
gsize        gisle_state_config_get_memory_in_use (GisleStateConfig *config);
GError      *gisle_state_memory_error  (lua_State   *L);

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
