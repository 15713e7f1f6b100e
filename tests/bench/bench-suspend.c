/* bench-suspend.c: jobs that wait without holding a thread.
 *
 * N isles (default 10 000) on a 2-thread GIsleExecutor:
 *
 * (1) Host waits: each isle runs `return wait_host()`, an asynchronous host
 *     function answered by a 100 ms timer in the main context. Time until
 *     every job completed (a thread held per wait would take N × 100 ms /
 *     2 threads), and peak RSS growth while they wait, against the RSS of
 *     the N idle isles (target ≤ 2×).
 * (2) Sleeps: each isle runs `isle.sleep(0.1)`; time until all completed.
 * (3) Latency: while every one of the N isles has a job suspended in a
 *     host function nobody answers yet, `return 1` on one more isle of the
 *     same executor, S times in a row (default 1 000): median, p99, max.
 * (4) Tasks: one job starts ten tasks, each awaiting the host function
 *     answered after 100 ms, and joins them: time for the job (about
 *     100 ms when they wait at the same time, a second if one by one).
 *
 * Usage: gisle-bench-suspend [ISLES [SAMPLES]]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>

#include "bench-common.h"

typedef struct
{
  guint pending;                 /* jobs not completed yet */
  guint failed;
  GPtrArray *held;               /* invocations nobody answers until later */
  gboolean hold;
} Run;

static gboolean
answer_later (gpointer data)
{
  g_isle_invocation_return_value (data, g_variant_new_int64 (1));
  return G_SOURCE_REMOVE;
}

static void
wait_host (GIsle           *isle,
           GVariant        *args,
           GIsleInvocation *invocation,
           gpointer         data)
{
  Run *run = data;

  if (run->hold)
    g_ptr_array_add (run->held, invocation);
  else
    g_timeout_add (100, answer_later, invocation);
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Run *run = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_isle_eval_finish (G_ISLE (source), result, &error);

  if (error != NULL)
    run->failed++;
  run->pending--;
}

static void
wait_all (Run *run)
{
  while (run->pending > 0)
    g_main_context_iteration (NULL, TRUE);
}

static double
run_all (GIsle     **isles,
         guint       n,
         const char *code,
         Run        *run)
{
  gint64 start = g_get_monotonic_time ();

  run->pending = n;
  for (guint i = 0; i < n; i++)
    g_isle_eval_async (isles[i], code, NULL, on_done, run);
  wait_all (run);
  return (g_get_monotonic_time () - start) / 1e6;
}

static void
on_latency_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  gint64 *done_at = data;
  g_autoptr(GVariant) value = g_isle_eval_finish (G_ISLE (source), result, NULL);

  *done_at = g_get_monotonic_time ();
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 10000;
  guint samples = argc > 2 ? (guint) atoi (argv[2]) : 1000;
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (2);
  g_autoptr(GIsle) probe = NULL;
  GIsle **isles = g_new0 (GIsle *, n);
  Run run = { 0, };
  BenchSamples lat;
  long rss0, rss_idle, peak;
  double seconds;
  guint64 suspended = 0, blocking = 0;

  bench_print_machine ("gisle-bench-suspend");
  run.held = g_ptr_array_new ();
  rss0 = bench_proc_status_kib ("VmRSS");
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;

      isles[i] = g_initable_new (G_TYPE_ISLE, NULL, &error, "executor", executor, NULL);
      if (isles[i] == NULL)
        g_error ("isle %u: %s", i, error->message);
      g_isle_add_async_function (isles[i], "wait_host", wait_host, &run, NULL);
    }
  /* Host functions are installed by a job of each isle: let them run. */
  run_all (isles, n, "return 0", &run);
  rss_idle = bench_proc_status_kib ("VmRSS");
  probe = g_initable_new (G_TYPE_ISLE, NULL, NULL, "executor", executor, NULL);

  printf ("%u isles on a 2-thread executor; idle: %.1f KiB RSS each\n",
          n, (double) (rss_idle - rss0) / n);

  /* (1): the peak from here on, against the idle isles' RSS */
  if (!bench_reset_peak_rss ())
    printf ("    (cannot reset VmHWM: the peak below includes creating the isles)\n");
  seconds = run_all (isles, n, "return wait_host()", &run);
  peak = bench_proc_status_kib ("VmHWM");
  for (guint i = 0; i < n; i++)
    {
      suspended += g_isle_get_suspended_waits (isles[i]);
      blocking += g_isle_get_blocking_waits (isles[i]);
    }
  printf ("(1) %u jobs awaiting a host function answered after 100 ms: all done in %.3f s "
          "(%u failed; %" G_GUINT64_FORMAT " suspended, %" G_GUINT64_FORMAT " blocking waits)\n",
          n, seconds, run.failed, suspended, blocking);
  printf ("    peak RSS %.1f MiB: growth %.2f× the idle isles' (%.1f MiB)\n",
          peak / 1024.0, (double) (peak - rss0) / (double) (rss_idle - rss0),
          (rss_idle - rss0) / 1024.0);

  /* (2) */
  seconds = run_all (isles, n, "isle.sleep(0.1) return 1", &run);
  printf ("(2) %u jobs in isle.sleep(0.1): all done in %.3f s (%u failed)\n",
          n, seconds, run.failed);

  /* (3) */
  run.hold = TRUE;
  run.pending = n;
  for (guint i = 0; i < n; i++)
    g_isle_eval_async (isles[i], "return wait_host()", NULL, on_done, &run);
  while (run.held->len < n)
    g_main_context_iteration (NULL, TRUE);
  bench_samples_init (&lat, samples);
  for (guint i = 0; i < samples; i++)
    {
      gint64 start = g_get_monotonic_time (), done_at = 0;

      g_isle_eval_async (probe, "return 1", NULL, on_latency_done, &done_at);
      while (done_at == 0)
        g_main_context_iteration (NULL, TRUE);
      bench_samples_add (&lat, done_at - start);
    }
  printf ("(3) `return 1` on another isle while %u jobs are suspended: "
          "median %.0f µs, p99 %.0f µs, max %.0f µs\n",
          n, bench_percentile (&lat, 50), bench_percentile (&lat, 99), bench_percentile (&lat, 100));
  bench_samples_clear (&lat);
  for (guint i = 0; i < run.held->len; i++)
    g_isle_invocation_return_value (run.held->pdata[i], NULL);
  g_ptr_array_set_size (run.held, 0);
  wait_all (&run);

  /* (4) */
  {
    const char *code =
      "local ts = {}\n"
      "for i = 1, 10 do ts[i] = isle.spawn(wait_host) end\n"
      "for i = 1, 10 do ts[i]:join() end\n"
      "return 10";

    run.hold = FALSE;
    seconds = run_all (isles, 1, code, &run);
    printf ("(4) one job, ten tasks each awaiting the 100 ms host function: %.1f ms (%u failed)\n",
            seconds * 1000, run.failed);
  }

  for (guint i = 0; i < n; i++)
    g_object_unref (isles[i]);
  g_free (isles);
  g_ptr_array_unref (run.held);
  return run.failed > 0;
}
