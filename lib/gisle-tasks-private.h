/* gisle-tasks-private.h: tasks inside a job (see gisle-tasks.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-private.h"

G_BEGIN_DECLS

/* Adds isle.spawn and isle.wait_any to the `isle` table on top of @L. */
void         gisle_tasks_open          (lua_State   *L);
gboolean     gisle_tasks_run_pass      (GisleJobSuspend *job,
                                        lua_State   *L);
gboolean     gisle_tasks_pending       (GisleJobSuspend *job,
                                        lua_State   *L);
void         gisle_tasks_cancel_all    (GisleJobSuspend *job,
                                        lua_State   *L);
char        *gisle_tasks_unjoined_error (GisleJobSuspend *job,
                                        lua_State   *L);
void         gisle_tasks_release       (GisleJobSuspend *job,
                                        lua_State   *L);

G_END_DECLS
