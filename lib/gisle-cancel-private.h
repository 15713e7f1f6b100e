/* gisle-cancel-private.h: the Lua side of cancelling
 * (see gisle-cancel.c). The data these functions share is in
 * gisle-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-private.h"

G_BEGIN_DECLS

void         gisle_cancel_init_process (void);
void         gisle_cancel_signal_thread (pthread_t  thread);
void         gisle_cancel_open         (lua_State   *L);
void         gisle_cancel_enter_lua    (GisleWorker *worker,
                                        GisleJob    *job,
                                        lua_State   *L);
void         gisle_cancel_leave_lua    (GisleWorker *worker);
gboolean     gisle_cancel_is_requested (lua_State   *L);
gboolean     gisle_cancel_is_due       (lua_State   *L);
G_NORETURN
void         gisle_cancel_raise        (lua_State   *L);
void         gisle_cancel_check        (lua_State   *L);
gboolean     gisle_cancel_is_sentinel  (lua_State   *L,
                                        int          idx);
GisleJob    *gisle_cancel_current_job  (lua_State   *L);
GisleRun    *gisle_cancel_get_run      (void);
void         gisle_cancel_restore_hook (lua_State   *L);
void         gisle_cancel_signal_sample (pthread_t  thread);
void         gisle_cancel_sample_sigevent (struct sigevent *event);
void         gisle_cancel_set_sampler  (const GisleSampler *sampler);
gboolean     gisle_cancel_register_hooks (GisleWorker        *worker,
                                        const GisleRunHooks *hooks,
                                        gpointer            data);
void         gisle_cancel_signal_hooks (pthread_t  thread);
void         gisle_cancel_report_error (lua_State   *L);
void         gisle_cancel_set_hook     (lua_State   *L,
                                        lua_Hook     hook,
                                        int          mask);
int          gisle_cancel_push_state   (lua_State   *L);
void         gisle_cancel_pop_state    (int          depth);

G_END_DECLS
