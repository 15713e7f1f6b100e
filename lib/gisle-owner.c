/* gisle-owner.c: how the floors below the worker reach the worker they
 * belong to, without calling the file above them.
 *
 * Floor 1 (base): a class of functions the worker registers once
 * (gisle_worker_new()) and plain calls through it. There is one worker
 * implementation; the white-box tests of the lowest floors need none.
 *
 * Thread rule: set once before any worker exists, read from any thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-owner-private.h"

/* Read inline by the calls of gisle-owner-private.h. */
const GisleOwnerClass *gisle_owner_class;

/* Each new worker registers the class; only the first call writes. */
void
gisle_owner_set_class (const GisleOwnerClass *klass)
{
  if (g_atomic_pointer_get (&gisle_owner_class) == NULL)
    g_atomic_pointer_compare_and_exchange (&gisle_owner_class, NULL, klass);
  g_assert (g_atomic_pointer_get (&gisle_owner_class) == klass);
}
