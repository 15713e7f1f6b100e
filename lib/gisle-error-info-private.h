/* gisle-error-info-private.h: capturing GIsleErrorInfo on the worker.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <lua.h>

#include "gisle-version.h"
#include "gisle-types.h"

G_BEGIN_DECLS

/* On the worker, in the job's message handler: records where the error
 * at the top of L's stack was raised (the stack is still unwound to the
 * error), for gisle_error_info_attach_runtime(). */
void    gisle_error_info_capture        (lua_State    *L,
                                         const char   *message);
/* Attaches what gisle_error_info_capture() recorded last on this thread
 * to a %G_ISLE_ERROR_RUNTIME error, when it describes that error. */
GError *gisle_error_info_attach_runtime (GError       *error);
/* Attaches the location in a syntax error message ("chunk:line: text"). */
GError *gisle_error_info_attach_syntax  (GError       *error,
                                         const char   *chunk_name);
/* In the caller's thread, when a call completes: remembers the error's
 * info (or none) for g_isle_error_info_get_last(). */
void    gisle_error_info_remember       (const GError *error);

/* A %G_ISLE_ERROR_MEMORY error naming the limit and the use. */
GError *gisle_error_new_memory          (guint64       limit,
                                         guint64       in_use);

G_END_DECLS
