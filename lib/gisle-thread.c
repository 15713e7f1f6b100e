/* gisle-thread.c: the thread-local "which isle runs here".
 *
 * Floor: with the locks, at the bottom; it knows nothing of isles, only an
 * opaque pointer. It lives this low so that the host functions, which
 * must know whether they are released on a worker thread, need nothing
 * from the worker floor above them.
 *
 * Thread rule: each thread reads and writes only its own copy.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-thread-private.h"

__thread gpointer gisle_thread_worker;
