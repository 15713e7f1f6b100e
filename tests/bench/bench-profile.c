/* bench-profile.c: what the sampling profiler costs CPU-bound Lua.
 *
 * The same workloads run in one isle with the profiler off and on (at
 * 1 kHz unless told otherwise), alternately, several times each. Each run
 * is timed in process CPU time (getrusage), which includes the profiler's
 * timer thread, the signals and the sample hook, and in wall time. The
 * figures are the best run of each side and the median of the paired
 * runs' ratios; the target is <= 1.03.
 *
 * The process is pinned to one CPU (pass --no-pin to keep the default
 * affinity), as in gisle-bench-overhead: the timer thread then competes
 * with the worker for that CPU, so its cost shows in wall time too.
 *
 * Usage: gisle-bench-profile [--no-pin] [RUNS [RATE_HZ]]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/resource.h>

#include <gisle.h>

#include <errno.h>

#include "bench-common.h"

#define FIB_N   32
#define LOOP_N  "1e8"

static const char workload_code[] =
  "function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end\n"
  "function fib_n() return fib(" G_STRINGIFY (FIB_N) ") end\n"
  "function loop()\n"
  "  local s = 0\n"
  "  for i = 1, " LOOP_N " do s = s + i end\n"
  "  return s\n"
  "end\n";

static const struct
{
  const char *function;
  const char *label;
} workloads[] = {
  { "fib_n", "recursive fib(" G_STRINGIFY (FIB_N) ")" },
  { "loop",  "numeric loop, " LOOP_N " additions" },
};

static gint64
cpu_now_us (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (gint64) usage.ru_utime.tv_sec * G_USEC_PER_SEC + usage.ru_utime.tv_usec +
         (gint64) usage.ru_stime.tv_sec * G_USEC_PER_SEC + usage.ru_stime.tv_usec;
}

typedef struct
{
  gint64 wall_us;
  gint64 cpu_us;
  guint64 samples;
} Timing;

static Timing
run_once (GIsle      *isle,
          const char *function,
          guint       rate_hz)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) profile = NULL;
  Timing timing = { 0, };
  gint64 wall, cpu;

  if (rate_hz > 0 && !g_isle_profile_start (isle, rate_hz, &error))
    g_error ("profile_start: %s", error->message);
  wall = g_get_monotonic_time ();
  cpu = cpu_now_us ();
  result = g_isle_call (isle, function, NULL, NULL, &error);
  timing.cpu_us = cpu_now_us () - cpu;
  timing.wall_us = g_get_monotonic_time () - wall;
  if (result == NULL)
    g_error ("%s: %s", function, error->message);
  if (rate_hz > 0)
    {
      profile = g_isle_profile_stop (isle, NULL);
      g_variant_lookup (profile, "samples", "t", &timing.samples);
    }
  return timing;
}

int
main (int argc, char **argv)
{
  gboolean pin = !(argc > 1 && strcmp (argv[1], "--no-pin") == 0);
  guint runs = argc > 1 + !pin ? (guint) atoi (argv[1 + !pin]) : 7;
  guint rate = argc > 2 + !pin ? (guint) atoi (argv[2 + !pin]) : 1000;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIsle) isle = NULL;
  g_autoptr(GVariant) ignored = NULL;
  gboolean all_met = TRUE;

  bench_print_machine ("gisle-bench-profile");
  if (pin)
    bench_pin_to_current_cpu ("all threads");

  isle = g_isle_new (NULL, &error);
  g_assert_no_error (error);
  ignored = g_isle_eval (isle, workload_code, NULL, &error);
  g_assert_no_error (error);

  printf ("\nprofiler at %u Hz; best of %u runs each, off and on alternating\n", rate, runs);

  for (guint w = 0; w < G_N_ELEMENTS (workloads); w++)
    {
      gint64 best_off_cpu = G_MAXINT64, best_on_cpu = G_MAXINT64;
      gint64 best_off_wall = G_MAXINT64, best_on_wall = G_MAXINT64;
      BenchSamples cpu_ratios, wall_ratios;   /* on/off of each pair, in 1/10000 */
      guint64 samples = 0;
      gint64 on_wall_total = 0;
      double cpu_ratio, median;

      bench_samples_init (&cpu_ratios, runs);
      bench_samples_init (&wall_ratios, runs);
      for (guint r = 0; r < runs; r++)
        {
          Timing off, on;

          if (r % 2 == 0)
            {
              off = run_once (isle, workloads[w].function, 0);
              on = run_once (isle, workloads[w].function, rate);
            }
          else
            {
              on = run_once (isle, workloads[w].function, rate);
              off = run_once (isle, workloads[w].function, 0);
            }
          best_off_cpu = MIN (best_off_cpu, off.cpu_us);
          best_on_cpu = MIN (best_on_cpu, on.cpu_us);
          best_off_wall = MIN (best_off_wall, off.wall_us);
          best_on_wall = MIN (best_on_wall, on.wall_us);
          samples += on.samples;
          on_wall_total += on.wall_us;
          bench_samples_add (&cpu_ratios, 10000 * on.cpu_us / MAX (off.cpu_us, 1));
          bench_samples_add (&wall_ratios, 10000 * on.wall_us / MAX (off.wall_us, 1));
        }
      cpu_ratio = (double) best_on_cpu / (double) best_off_cpu;
      median = bench_median (&cpu_ratios) / 10000.0;
      all_met = all_met && MIN (cpu_ratio, median) <= 1.03;
      printf ("%-36s CPU:  off %6.1f ms  on %6.1f ms  ratio %.3f  median of pairs %.3f  "
              "[target <= 1.03: %s]\n"
              "%-36s wall: off %6.1f ms  on %6.1f ms  ratio %.3f  median of pairs %.3f\n"
              "%-36s %.0f samples/s taken while on (%" G_GUINT64_FORMAT " in all)\n",
              workloads[w].label, best_off_cpu / 1e3, best_on_cpu / 1e3, cpu_ratio, median,
              MIN (cpu_ratio, median) <= 1.03 ? "MET" : "MISSED",
              "", best_off_wall / 1e3, best_on_wall / 1e3,
              (double) best_on_wall / (double) best_off_wall,
              bench_median (&wall_ratios) / 10000.0,
              "", samples * 1e6 / MAX (on_wall_total, 1), samples);
      bench_samples_clear (&cpu_ratios);
      bench_samples_clear (&wall_ratios);
      fflush (stdout);
    }
  printf ("profiler overhead: %s\n", all_met ? "all targets met" : "some targets MISSED");

  g_isle_close (isle, NULL, NULL);
  return 0;
}
