/* gisle-debugger-values-private.h: reading a paused frame, and code run in
 * a frame (see gisle-debugger-values.c). Worker thread, protected mode.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-debug-core-private.h"

G_BEGIN_DECLS

GVariant       *gisle_debug_value        (lua_State  *L,
                                          int         idx,
                                          guint       max_depth);
GVariant       *gisle_debug_stack        (GisleDebugCore *core);
GVariant       *gisle_debug_variables    (lua_State       *L,
                                          const GisleDebugFrame *frame,
                                          guint            max_depth);
/* Pushes onto @L the function compiled from @code (an expression, or else
 * statements) whose globals are the locals, upvalues and globals of
 * core->eval_frame while it runs; returns FALSE with the message pushed
 * instead. */
gboolean        gisle_debug_compile      (GisleDebugCore *core,
                                          lua_State      *L,
                                          const char     *code);
gboolean        gisle_debug_set_local    (lua_State       *L,
                                          const GisleDebugFrame *frame,
                                          const char      *name,
                                          GError         **error);

G_END_DECLS
