/* gisle-output-private.h: captured script output.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <lua.h>
#include "gisle-version.h"
#include "gisle-types.h"

G_BEGIN_DECLS

/* Queues @len bytes written by the script running in @L (any coroutine of the
 * isle) for delivery through GIsle::output in the isle's main context. Called
 * on the worker thread only. May wait while the host is behind on output;
 * that wait is a cancellation point, so this may raise a Lua error (call it
 * where a Lua error is allowed, i.e. from a lua_CFunction). */
void gisle_output_write (lua_State   *L,
                         GIsleStream  stream,
                         const char  *data,
                         gsize        len);

/* Waits while too much output, events and progress are waiting for the
 * main context. A cancellation point: may raise. */
void gisle_output_wait_room (lua_State *L);

/* Like gisle_output_write() for G_ISLE_STREAM_WARNING, but never waits and
 * never raises: safe from a lua_WarnFunction, which Lua may call from the
 * garbage collector. Past a large backlog, warnings are dropped. */
void gisle_output_warning (lua_State   *L,
                           const char  *data,
                           gsize        len);

G_END_DECLS
