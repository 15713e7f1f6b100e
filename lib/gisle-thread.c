/* gisle-thread.c: the thread-local "which isle runs here".
 *
 * Floor 1 (base): it knows nothing of isles, only an opaque pointer. It
 * lives this low so that the host functions, which must know whether they
 * are released on a worker thread, need nothing from the worker above.
 *
 * Thread rule: each thread reads and writes only its own copy.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-thread-private.h"

__thread gpointer gisle_thread_worker;
