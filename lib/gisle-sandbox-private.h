/* gisle-sandbox-private.h: opening the Lua libraries an isle may use.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <lua.h>
#include "gisle-version.h"
#include "gisle-types.h"

G_BEGIN_DECLS

/* Opens the libraries chosen by @libraries into the fresh state @L, with the
 * sandbox rules of GIsleLibraries, and installs the output capture (print,
 * io.write, io.stdout/io.stderr:write, warn -> gisle_output_write()).
 * Must be called in protected mode on the worker thread. */
void gisle_sandbox_open (lua_State      *L,
                         GIsleLibraries  libraries);

G_END_DECLS
