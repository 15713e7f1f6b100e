/* gisle-invocation.h: one pending call of an asynchronous host function.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(GISLE_INSIDE) && !defined(GISLE_COMPILATION)
#error "Only <gisle.h> can be included directly."
#endif

#include "gisle-types.h"

G_BEGIN_DECLS

#define G_TYPE_ISLE_INVOCATION (g_isle_invocation_get_type ())

GISLE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GIsleInvocation, g_isle_invocation, G, ISLE_INVOCATION, GObject)

GISLE_AVAILABLE_IN_ALL
GIsle        *g_isle_invocation_get_isle          (GIsleInvocation *self);
GISLE_AVAILABLE_IN_ALL
const char   *g_isle_invocation_get_name          (GIsleInvocation *self);
GISLE_AVAILABLE_IN_ALL
GVariant     *g_isle_invocation_get_arguments     (GIsleInvocation *self);
GISLE_AVAILABLE_IN_ALL
GCancellable *g_isle_invocation_get_cancellable   (GIsleInvocation *self);
GISLE_AVAILABLE_IN_ALL
guint64       g_isle_invocation_get_job_id        (GIsleInvocation *self);
GISLE_AVAILABLE_IN_ALL
void          g_isle_invocation_return_value      (GIsleInvocation *self,
                                                   GVariant        *result);
GISLE_AVAILABLE_IN_ALL
void          g_isle_invocation_return_gerror     (GIsleInvocation *self,
                                                   const GError    *error);
GISLE_AVAILABLE_IN_ALL
void          g_isle_invocation_return_error_literal (GIsleInvocation *self,
                                                      GQuark           domain,
                                                      gint             code,
                                                      const char      *message);

G_END_DECLS
