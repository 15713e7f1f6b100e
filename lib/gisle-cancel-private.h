/* gisle-cancel-private.h: the Lua side of cancelling
 * (see gisle-cancel.c). Its structs are private
 * to it; what the floors share is in gisle-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-private.h"

G_BEGIN_DECLS

/* A job's cancel state: its phase, why, the end of its grace period and
 * the cancellable of its host calls. Made by the job, set by the cancel
 * policy, read by the signal handler and the hook. */
GisleCancelState *gisle_cancel_state_new     (guint64           job_id);
void             gisle_cancel_state_free     (GisleCancelState *state);
gsize            gisle_cancel_state_size     (void);
GisleCancelState *gisle_cancel_state_init    (gpointer          memory,
                                              guint64           job_id);
void             gisle_cancel_state_clear    (GisleCancelState *state);
GisleCancelPhase gisle_cancel_state_get_phase (GisleCancelState *state);
gint             gisle_cancel_state_get_reason (GisleCancelState *state);
gboolean         gisle_cancel_state_begin    (GisleCancelState  *state,
                                              gint               reason,
                                              gint64             grace_ends_at,
                                              GCancellable     **host_cancellable);
gboolean         gisle_cancel_state_harden   (GisleCancelState *state);
void             gisle_cancel_state_force    (GisleCancelState *state,
                                              GisleCancelPhase  phase,
                                              gint64            grace_ends_at);
gboolean         gisle_cancel_state_soft_delivered (GisleCancelState *state);
void             gisle_cancel_state_unset_soft_delivered (GisleCancelState *state);
void             gisle_cancel_state_set_grace_end (GisleCancelState *state,
                                                   gint64            grace_ends_at);

void         gisle_cancel_init_process (void);
void         gisle_cancel_signal_thread (pthread_t  thread);
void         gisle_cancel_open         (lua_State   *L);
/* The per-run record: one per worker, which holds it; what the signal
 * handler finds of the job in Lua on this thread. */
GisleRun    *gisle_cancel_run_new      (void);
void         gisle_cancel_run_free     (GisleRun    *run);
void         gisle_cancel_run_set_sampled (GisleRun *run,
                                        gpointer     sampled);
gpointer     gisle_cancel_run_get_sampled (GisleRun *run);
gpointer     gisle_cancel_run_get_sampler_data (GisleRun *run);
void         gisle_cancel_run_set_sampler_data (GisleRun *run,
                                        gpointer     data);
int          gisle_cancel_run_get_depth (GisleRun   *run);
lua_State   *gisle_cancel_run_get_state (GisleRun   *run,
                                        int          i);
void         gisle_cancel_run_set_sampling (GisleRun *run,
                                        gboolean     sampling);
void         gisle_cancel_run_release_hooks (GisleRun *run);
GisleCancelState *gisle_cancel_run_get_cancel (GisleRun *run);
GisleJobSuspend *gisle_cancel_run_get_suspend (GisleRun *run);
const GisleRunHooks *gisle_cancel_run_get_hooks (GisleRun *run);
gpointer     gisle_cancel_run_get_hooks_data (GisleRun *run);
void         gisle_cancel_run_set_in_hooks (GisleRun *run,
                                        gboolean     in_hooks);

void         gisle_cancel_enter_lua    (GisleRun    *run,
                                        GisleCancelState *state,
                                        GisleJobSuspend *suspend,
                                        lua_State   *L);
void         gisle_cancel_leave_lua    (GisleRun    *run);
gboolean     gisle_cancel_is_requested (lua_State   *L);
gboolean     gisle_cancel_is_due       (lua_State   *L);
G_NORETURN
void         gisle_cancel_raise        (lua_State   *L);
void         gisle_cancel_check        (lua_State   *L);
gboolean     gisle_cancel_is_sentinel  (lua_State   *L,
                                        int          idx);
GisleCancelState *gisle_cancel_current (lua_State *L);
guint64      gisle_cancel_current_job_id (lua_State *L);
GisleJobSuspend *gisle_cancel_current_suspend (lua_State *L);
GCancellable *gisle_cancel_ref_host_cancellable (lua_State *L);
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
