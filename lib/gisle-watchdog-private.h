/* gisle-watchdog-private.h: the process-wide timer thread (see
 * gisle-watchdog.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

GSource     *gisle_watchdog_add_full   (guint          ms,
                                        GSourceFunc    func,
                                        gpointer       data,
                                        GDestroyNotify notify);

G_END_DECLS
