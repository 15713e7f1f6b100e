/* gisle-host-private.h: host functions and their pending calls.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-private.h"

G_BEGIN_DECLS

typedef enum {
  GISLE_HOST_MAIN,     /* GIsleHostFunc, in the owner context */
  GISLE_HOST_ASYNC,    /* GIsleAsyncHostFunc, in the owner context */
  GISLE_HOST_WORKER,   /* GIsleWorkerFunc, on the worker thread */
} GisleHostFlavour;

/* Both are defined in gisle-host.c, which alone reads their fields. */
typedef struct _GisleHostFunction GisleHostFunction;
typedef struct _GisleHostCall     GisleHostCall;

GisleHostCall *gisle_host_call_ref      (GisleHostCall *call);
void           gisle_host_call_unref    (GisleHostCall *call);
void           gisle_host_call_complete (GisleHostCall *call,
                                         GVariant      *result,
                                         GError        *error);

/* Sets the global at a dotted @path to the value on top (popping it). */
gboolean       gisle_host_name_is_valid (const char    *name);
void           gisle_host_set_path      (lua_State     *L,
                                         const char    *path);

/* The table and the `isle` module. */
void         gisle_host_open           (lua_State   *L);
void         gisle_host_install_all    (GisleWorker *worker,
                                        lua_State   *L);
void         gisle_host_function_free  (gpointer     data);
gboolean     gisle_host_is_running     (GisleWorker *worker);
void         gisle_host_control_install (GisleWorker *worker,
                                        lua_State   *L,
                                        gpointer     name);
void         gisle_host_control_uninstall (GisleWorker *worker,
                                        lua_State   *L,
                                        gpointer     name);
void         gisle_host_cancel_job_calls (GisleWorker *worker,
                                        GCancellable *host_cancellable);
void         gisle_host_add            (GisleWorker *worker,
                                        const char  *name,
                                        int          flavour,
                                        gpointer     func,
                                        gpointer     user_data,
                                        GDestroyNotify notify);
gboolean     gisle_host_remove         (GisleWorker *worker,
                                        const char  *name);

G_END_DECLS
