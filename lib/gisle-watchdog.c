/* gisle-watchdog.c: one process-wide timer thread for deadlines.
 *
 * Floor 2 (errors, timers and threads): it knows nothing of jobs or isles. Time
 * limits, grace periods, hard deadlines and close deadlines are GSources
 * attached to its context (gisle-worker-cancel.c, gisle-worker.c).
 *
 * Thread rule: gisle_watchdog_add_full() from any thread; the callbacks run
 * on the watchdog thread, never on a worker or in a main context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "gisle-watchdog-private.h"
#include "gisle-lock-private.h"

static GMainContext *gisle_watchdog_context;

static gpointer
gisle_watchdog_main (gpointer data)
{
  for (;;)
    g_main_context_iteration (gisle_watchdog_context, TRUE);
  return NULL;
}

/* One process-wide thread, started the first time anything is cancelled or
 * given a deadline; idle isles cost no thread and no wake-ups. */
static GMainContext *
gisle_watchdog_get_context (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      gisle_watchdog_context = g_main_context_new ();
      g_thread_unref (g_thread_new ("gisle-watchdog", gisle_watchdog_main, NULL));
      g_once_init_leave (&initialized, 1);
    }
  return gisle_watchdog_context;
}

GSource *
gisle_watchdog_add_full (guint          ms,
                         GSourceFunc    func,
                         gpointer       data,
                         GDestroyNotify notify)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "[gisle] watchdog");
  gisle_source_attach (source, gisle_watchdog_get_context ());
  return source;
}

