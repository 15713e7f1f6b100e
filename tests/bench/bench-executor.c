/* bench-executor.c: many isles on a few threads (GIsleExecutor).
 *
 * (1) Idle isles: create N isles (default 100 000) on a 2-thread executor
 *     with g_initable_new (each runs its setup job): total time, and RSS
 *     per idle isle (VmRSS delta / N) next to the floor measured in this
 *     same process afterwards: N bare luaL_newstate + luaL_openlibs states
 *     (RSS delta / N).
 * (2) Throughput: M isles (default 10 000) each evaluate one small chunk,
 *     all submitted at once, on a 2-thread executor; then the same work on
 *     M dedicated-thread isles (a thread each).
 * (3) Fairness: latency of a short job (`return 1`) on one isle while
 *     another isle runs an endless loop, on a 2-thread executor, next to
 *     the same with nothing else running; and, on a 1-thread executor,
 *     while another isle has thousands of short jobs queued (isles take
 *     turns one job at a time).
 * (4) Mass close: C isles (default 100 000) on a 2-thread executor that
 *     also runs an endless loop, all closed at once with
 *     g_isle_close_async(): isles closed per second, and how many closes
 *     were declared stuck (must be 0: a close waiting for a thread is not
 *     stuck) or completed with their Lua state still open (must be 0).
 *
 * Usage: gisle-bench-executor [IDLE_ISLES [EVAL_ISLES [DEDICATED_ISLES [SAMPLES [CLOSE_ISLES]]]]]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gisle.h>
#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>

#include "bench-common.h"

static const char small_chunk[] = "local t = {} for i = 1, 10 do t[i] = i * i end return #t";

/* ---- Helpers ------------------------------------------------------------ */

static double
seconds_since (gint64 start_us)
{
  return (g_get_monotonic_time () - start_us) / 1e6;
}

static GIsle *
isle_new (GIsleExecutor *executor)
{
  g_autoptr(GError) error = NULL;
  GIsle *isle;

  if (executor != NULL)
    isle = g_initable_new (G_TYPE_ISLE, NULL, &error, "executor", executor, NULL);
  else
    isle = g_initable_new (G_TYPE_ISLE, NULL, &error, NULL);
  if (isle == NULL)
    g_error ("could not create an isle: %s", error->message);
  return isle;
}

static guint
count_process_threads (void)
{
  GDir *dir = g_dir_open ("/proc/self/task", 0, NULL);
  guint n = 0;

  if (dir == NULL)
    return 0;
  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);
  return n;
}

/* Drops @isles and waits until their threads (dedicated) or turns
 * (executor) are over, so that the next measurement starts quiet. */
static void
drop_isles (GIsle        **isles,
            guint          n,
            GIsleExecutor *executor,
            guint          threads_before)
{
  gint64 deadline = g_get_monotonic_time () + 120 * G_TIME_SPAN_SECOND;

  for (guint i = 0; i < n; i++)
    g_clear_object (&isles[i]);
  while (g_get_monotonic_time () < deadline)
    {
      if (executor != NULL ? g_isle_executor_get_n_isles (executor) == 0
                           : count_process_threads () <= threads_before)
        return;
      g_usleep (10000);
    }
  printf ("  (warning: isles still closing after 120 s)\n");
}

/* ---- (1) Idle isles --------------------------------------------------- */

static void
bench_idle (guint n)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (2);
  GIsle **isles = g_new0 (GIsle *, n);
  lua_State **states = g_new0 (lua_State *, n);
  long rss0, rss1, rss2, rss3;
  double isle_s, bare_s, isle_kib, bare_kib;
  guint64 isle_heap;
  int bare_heap_kib;
  gint64 start;

  printf ("\n(1) %u idle isles on a 2-thread executor\n", n);
  fflush (stdout);

  rss0 = bench_proc_status_kib ("VmRSS");
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    isles[i] = isle_new (executor);
  isle_s = seconds_since (start);
  rss1 = bench_proc_status_kib ("VmRSS");
  isle_heap = g_isle_get_memory_in_use (isles[n - 1]);
  g_assert (g_isle_executor_get_n_isles (executor) == n);

  /* The floor, in this same process, after the isles. */
  start = g_get_monotonic_time ();
  rss2 = bench_proc_status_kib ("VmRSS");
  for (guint i = 0; i < n; i++)
    {
      states[i] = luaL_newstate ();
      luaL_openlibs (states[i]);
    }
  bare_s = seconds_since (start);
  rss3 = bench_proc_status_kib ("VmRSS");
  bare_heap_kib = lua_gc (states[n - 1], LUA_GCCOUNT) * 1024 + lua_gc (states[n - 1], LUA_GCCOUNTB);

  isle_kib = (double) (rss1 - rss0) / n;
  bare_kib = (double) (rss3 - rss2) / n;
  printf ("  create %u isles (g_initable_new):   %.2f s, %.1f µs each, %.0f isles/s\n",
          n, isle_s, isle_s * 1e6 / n, n / isle_s);
  printf ("  RSS per idle isle:                   %.1f KiB  (Lua heap %.1f KiB)\n",
          isle_kib, isle_heap / 1024.0);
  printf ("  RSS per bare luaL_newstate+openlibs: %.1f KiB  (Lua heap %.1f KiB; %u created in %.2f s)\n",
          bare_kib, bare_heap_kib / 1024.0, n, bare_s);
  printf ("  ratio isle / bare state:             %.2fx  (target <= 1.5x)\n", isle_kib / bare_kib);
  printf ("  threads in the process:              %u\n", count_process_threads ());
  fflush (stdout);

  for (guint i = 0; i < n; i++)
    lua_close (states[i]);
  g_free (states);
  start = g_get_monotonic_time ();
  drop_isles (isles, n, executor, 0);
  printf ("  drop %u isles (until the executor let them all go): %.2f s\n",
          n, seconds_since (start));
  g_free (isles);
}

/* ---- (2) Throughput ----------------------------------------------------- */

typedef struct
{
  guint done;
  guint failed;
} Count;

static void
on_eval_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Count *count = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_isle_eval_finish (G_ISLE (source), result, &error);

  if (error != NULL)
    count->failed++;
  count->done++;
}

/* Creates @n isles (on @executor, or with a thread each), then submits one
 * small chunk to each and runs the main loop until all are done. */
static void
bench_throughput_one (const char    *label,
                      guint          n,
                      GIsleExecutor *executor)
{
  GIsle **isles = g_new0 (GIsle *, n);
  guint threads_before = count_process_threads ();
  double create_s, eval_s;
  Count count = { 0, 0 };
  gint64 start;

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    isles[i] = isle_new (executor);
  create_s = seconds_since (start);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    g_isle_eval_async (isles[i], small_chunk, NULL, on_eval_done, &count);
  while (count.done < n)
    g_main_context_iteration (NULL, TRUE);
  eval_s = seconds_since (start);

  printf ("  %-20s %7.0f evals/s  (%u evals in %.3f s%s; creating the isles took %.2f s; "
          "%u threads in the process)\n",
          label, n / eval_s, n, eval_s, count.failed ? ", SOME FAILED" : "",
          create_s, count_process_threads ());
  fflush (stdout);

  drop_isles (isles, n, executor, threads_before);
  g_free (isles);
}

static void
bench_throughput (guint n,
                  guint n_dedicated)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (2);

  printf ("\n(2) one small chunk on each of many isles, all submitted at once\n"
          "    chunk: %s\n", small_chunk);
  fflush (stdout);
  bench_throughput_one ("2-thread executor:", n, executor);
  if (n_dedicated > 0)
    bench_throughput_one ("dedicated threads:", n_dedicated, NULL);
}

/* ---- (3) Fairness ------------------------------------------------------- */

typedef struct
{
  gboolean done;
  gboolean failed;
} One;

static void
on_one_done (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  One *one = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_isle_eval_finish (G_ISLE (source), result, &error);

  one->failed = error != NULL;
  one->done = TRUE;
}

static void
on_started (GIsle      *isle,
            const char *name,
            GVariant   *value,
            gpointer    data)
{
  *(gboolean *) data = TRUE;
}

/* Counts completions; cancelled calls count as "failed". */
static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Count *count = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = g_isle_call_finish (G_ISLE (source), result, &error);

  if (error != NULL)
    count->failed++;
  count->done++;
}

/* Serial latencies of `return 1` on @isle, submitted from the main loop. */
static void
measure_short_jobs (GIsle        *isle,
                    guint         n,
                    BenchSamples *samples)
{
  for (guint i = 0; i < n + 100; i++)
    {
      One one = { FALSE, FALSE };
      gint64 start = g_get_monotonic_time ();

      g_isle_eval_async (isle, "return 1", NULL, on_one_done, &one);
      while (!one.done)
        g_main_context_iteration (NULL, TRUE);
      if (one.failed)
        g_error ("a short job failed");
      if (i >= 100)   /* warm-up */
        bench_samples_add (samples, g_get_monotonic_time () - start);
    }
}

static void
print_latency (const char   *label,
               BenchSamples *samples)
{
  printf ("  %-52s median %6.1f µs  p99 %7.1f µs  max %8.1f µs  (n=%u)\n",
          label, bench_median (samples), bench_percentile (samples, 99),
          bench_max (samples), samples->n);
  fflush (stdout);
}

static void
bench_fairness (guint n)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (2);
  g_autoptr(GIsle) looping = isle_new (executor);
  g_autoptr(GIsle) isle = isle_new (executor);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  BenchSamples idle, busy, queued;
  gboolean started = FALSE;
  One loop_done = { FALSE, FALSE };

  printf ("\n(3) latency of a short job (`return 1`, submitted and completed in the main loop)\n");
  fflush (stdout);

  bench_samples_init (&idle, n);
  measure_short_jobs (isle, n, &idle);
  print_latency ("2-thread executor, nothing else running:", &idle);

  g_signal_connect (looping, "event::started", G_CALLBACK (on_started), &started);
  g_isle_eval_async (looping, "isle.emit('started') while true do end", cancellable,
                     on_one_done, &loop_done);
  while (!started)
    g_main_context_iteration (NULL, TRUE);
  bench_samples_init (&busy, n);
  measure_short_jobs (isle, n, &busy);
  print_latency ("2-thread executor, another isle in `while true do end`:", &busy);
  g_cancellable_cancel (cancellable);
  while (!loop_done.done)
    g_main_context_iteration (NULL, TRUE);

  /* Turn-taking: one thread, another isle with a deep queue of short
   * jobs. The short job waits for at most the other isle's current job. */
  {
    g_autoptr(GIsleExecutor) one_thread = g_isle_executor_new (1);
    g_autoptr(GIsle) busy_isle = isle_new (one_thread);
    g_autoptr(GIsle) short_isle = isle_new (one_thread);
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) v = NULL;
    Count count = { 0, 0 };
    guint n_queued = 0;
    gint64 start;
    double job_us;

    v = g_isle_eval (busy_isle, "function work() local s = 0 for i = 1, 20000 do s = s + i end return s end",
                     NULL, &error);
    g_assert_no_error (error);

    /* How long one of those jobs takes on its own. */
    start = g_get_monotonic_time ();
    for (guint i = 0; i < 200; i++)
      {
        g_clear_pointer (&v, g_variant_unref);
        v = g_isle_call (busy_isle, "work", NULL, NULL, &error);
        g_assert_no_error (error);
      }
    job_us = (g_get_monotonic_time () - start) / 200.0;

    bench_samples_init (&queued, n);
    for (guint i = 0; i < n + 100; i++)
      {
        One one = { FALSE, FALSE };

        /* Keep the other isle's queue 1000 jobs deep. */
        while (n_queued - count.done < 1000)
          {
            g_isle_call_async (busy_isle, "work", NULL, NULL, on_call_done, &count);
            n_queued++;
          }
        start = g_get_monotonic_time ();
        g_isle_eval_async (short_isle, "return 1", NULL, on_one_done, &one);
        while (!one.done)
          g_main_context_iteration (NULL, TRUE);
        if (one.failed)
          g_error ("a short job failed");
        if (i >= 100)
          bench_samples_add (&queued, g_get_monotonic_time () - start);
      }
    g_isle_cancel_all (busy_isle);
    while (count.done < n_queued)
      g_main_context_iteration (NULL, TRUE);
    printf ("  (the other isle's jobs take %.1f µs each on their own; 1000 kept queued, "
            "%u run meanwhile)\n", job_us, n_queued - count.failed);
    print_latency ("1-thread executor, another isle with a deep queue:", &queued);
    bench_samples_clear (&queued);
  }

  bench_samples_clear (&idle);
  bench_samples_clear (&busy);
}

/* ---- (4) Mass close ----------------------------------------------------- */

static guint abandoned_closes;

static GLogWriterOutput
count_abandoned (GLogLevelFlags   level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0 &&
        strstr (fields[i].value, "did not finish closing") != NULL)
      {
        g_atomic_int_inc ((gint *) &abandoned_closes);
        return G_LOG_WRITER_HANDLED;
      }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

typedef struct
{
  guint done;
  guint state_open;
} CloseCount;

static void
on_close_done (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  CloseCount *count = data;

  g_isle_close_finish (G_ISLE (source), result, NULL);
  if (g_isle_get_memory_in_use (G_ISLE (source)) != 0)
    count->state_open++;
  count->done++;
}

static void
bench_mass_close (guint n)
{
  g_autoptr(GIsleExecutor) executor = g_isle_executor_new (2);
  g_autoptr(GCancellable) stop = g_cancellable_new ();
  GIsle *spinner = isle_new (executor);
  GIsle **isles = g_new0 (GIsle *, n);
  CloseCount count = { 0, 0 };
  Count spun = { 0, 0 };
  double close_s;
  gint64 start;

  printf ("\n(4) closing %u isles at once on a 2-thread executor, one thread in a loop\n", n);
  fflush (stdout);
  for (guint i = 0; i < n; i++)
    isles[i] = isle_new (executor);
  g_isle_eval_async (spinner, "while true do end", stop, on_eval_done, &spun);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    g_isle_close_async (isles[i], NULL, on_close_done, &count);
  while (count.done < n)
    g_main_context_iteration (NULL, TRUE);
  close_s = seconds_since (start);

  printf ("  %7.0f isles closed/s  (%u in %.2f s; %u declared stuck, %u completed with the state open)\n",
          n / close_s, n, close_s, g_atomic_int_get ((gint *) &abandoned_closes), count.state_open);
  fflush (stdout);

  g_cancellable_cancel (stop);
  while (spun.done < 1)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < n; i++)
    g_object_unref (isles[i]);
  g_free (isles);
  g_object_unref (spinner);
}

int
main (int argc, char **argv)
{
  guint idle_isles = argc > 1 ? (guint) atoi (argv[1]) : 100000;
  guint eval_isles = argc > 2 ? (guint) atoi (argv[2]) : 10000;
  guint dedicated_isles = argc > 3 ? (guint) atoi (argv[3]) : eval_isles;
  guint samples = argc > 4 ? (guint) atoi (argv[4]) : 2000;
  guint close_isles = argc > 5 ? (guint) atoi (argv[5]) : 100000;

  g_log_set_writer_func (count_abandoned, NULL, NULL);
  bench_print_machine ("gisle-bench-executor");
  if (idle_isles > 0)
    bench_idle (idle_isles);
  if (eval_isles > 0)
    bench_throughput (eval_isles, dedicated_isles);
  if (samples > 0)
    bench_fairness (samples);
  if (close_isles > 0)
    bench_mass_close (close_isles);
  return 0;
}
