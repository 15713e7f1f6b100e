/* gisle-debug-hook-private.h: debug.sethook and debug.gethook, as ldblib.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <lua.h>

/* ldblib's db_sethook, callable from another C function in the same
 * frame: the arguments are on L's stack as for debug.sethook. */
int gisle_debug_sethook (lua_State *L);
/* ldblib's db_gethook, recognising the hooks gisle_debug_sethook() sets. */
int gisle_debug_gethook (lua_State *L);
