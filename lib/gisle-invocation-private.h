/* gisle-invocation-private.h: making a GIsleInvocation for a pending call.
 *
 * The invocation sits below the host-function table: it knows the call it
 * answers only as an opaque pointer with these three operations, given by
 * the table when it makes the invocation.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "gisle-version.h"
#include "gisle-types.h"

G_BEGIN_DECLS

typedef struct
{
  gpointer (*ref)      (gpointer call);
  void     (*unref)    (gpointer call);
  /* Takes @result (floating or full) and @error; once per call. */
  void     (*complete) (gpointer call,
                        GVariant *result,
                        GError   *error);
} GisleInvocationCallClass;

/* @name, @args and @cancellable belong to @call, which the invocation keeps
 * a reference to. */
GIsleInvocation *gisle_invocation_new (GIsle                          *isle,
                                       const GisleInvocationCallClass *klass,
                                       gpointer                        call,
                                       const char                     *name,
                                       GVariant                       *args,
                                       GCancellable                   *cancellable,
                                       guint64                         job_id);

G_END_DECLS
