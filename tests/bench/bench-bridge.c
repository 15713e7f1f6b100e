/* bench-bridge.c: what an exposed object costs a script, next to a
 * hand-written main-context host function doing the same work.
 *
 * 1. Reads: a script reads a property (`obj.enabled`) N times, then calls
 *    a host function returning the same value N times; then the same for a
 *    method call (`obj:get_enabled()`). Rounds alternate, the medians per
 *    operation are compared (target: a property read costs at most 1.3x
 *    the host function round trip).
 * 2. Writes: a script writes a property 10 000 times while a 16 ms timer
 *    in the main loop records the largest gap between its ticks (target:
 *    at most 2 frames, 33 ms), then does the same through a host function
 *    (target: the property writes take at most 1.5x as long).
 *
 * The process is pinned to one CPU (pass --no-pin to keep the default
 * affinity), as in the other benchmarks: both sides of each comparison
 * then share one core. Build with meson compile -C BUILD bench; figures
 * only mean something on an optimised build of an otherwise idle machine.
 *
 * Usage: gisle-bench-bridge [--no-pin] [ROUNDS [N]]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE
#include <gisle.h>
#include <gio/gio.h>

#include "bench-common.h"

static GVariant *
host_get_enabled (GIsle *isle, GVariant *args, GCancellable *cancellable, gpointer data, GError **error)
{
  return g_variant_new_boolean (g_action_get_enabled (data));
}

static GVariant *
host_set_enabled (GIsle *isle, GVariant *args, GCancellable *cancellable, gpointer data, GError **error)
{
  gboolean enabled;

  g_variant_get (args, "(b)", &enabled);
  g_simple_action_set_enabled (data, enabled);
  return NULL;
}

typedef struct
{
  gboolean done;
  GError *error;
} Run;

static void
on_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Run *run = data;
  g_autoptr(GVariant) value = g_isle_eval_finish (G_ISLE (source), result, &run->error);

  run->done = TRUE;
}

/* Runs @code, iterating the main context; returns the elapsed µs. */
static gint64
run_timed (GIsle *isle, const char *code)
{
  Run run = { 0, };
  gint64 start = g_get_monotonic_time ();

  g_isle_eval_async (isle, code, NULL, on_done, &run);
  while (!run.done)
    g_main_context_iteration (NULL, TRUE);
  if (run.error != NULL)
    g_error ("%s: %s", code, run.error->message);
  return g_get_monotonic_time () - start;
}

typedef struct
{
  gint64 last;
  gint64 max_gap;
} Ticks;

static gboolean
on_tick (gpointer data)
{
  Ticks *t = data;
  gint64 now = g_get_monotonic_time ();

  if (t->last != 0 && now - t->last > t->max_gap)
    t->max_gap = now - t->last;
  t->last = now;
  return G_SOURCE_CONTINUE;
}

/* Runs @code with a 16 ms timer ticking; returns the elapsed µs and sets
 * the largest gap between ticks. */
static gint64
run_with_timer (GIsle *isle, const char *code, gint64 *max_gap)
{
  Ticks ticks = { 0, 0 };
  guint id = g_timeout_add (16, on_tick, &ticks);
  gint64 elapsed;

  ticks.last = g_get_monotonic_time ();
  elapsed = run_timed (isle, code);
  g_source_remove (id);
  /* The gap still open at the end counts too. */
  on_tick (&ticks);
  *max_gap = ticks.max_gap;
  return elapsed;
}

static void
compare (const char *what, BenchSamples *a, BenchSamples *b, const char *a_name, const char *b_name,
         double target)
{
  double ma = bench_median (a) / 1000.0, mb = bench_median (b) / 1000.0;

  printf ("%-34s %8.2f µs/op   %-24s %8.2f µs/op   ratio %.2f (target <= %.2f)\n",
          a_name, ma, b_name, mb, ma / mb, target);
  (void) what;
}

int
main (int argc, char **argv)
{
  gboolean pin = !(argc > 1 && strcmp (argv[1], "--no-pin") == 0);
  int arg = pin ? 1 : 2;
  guint rounds = argc > arg ? (guint) atoi (argv[arg]) : 9;
  guint n = argc > arg + 1 ? (guint) atoi (argv[arg + 1]) : 5000;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIsle) isle = NULL;
  g_autoptr(GSimpleAction) action = g_simple_action_new ("a", NULL);
  g_autofree char *read_prop = NULL, *read_host = NULL, *read_method = NULL;
  BenchSamples prop, host, method;
  gint64 gap_prop = 0, gap_host = 0, t_prop = 0, t_host = 0;
  const guint writes = 10000;
  g_autofree char *write_prop = NULL, *write_host = NULL;

  bench_print_machine ("gisle-bench-bridge");
  if (pin)
    bench_pin_to_current_cpu ("all threads");

  isle = g_isle_new (NULL, &error);
  if (isle == NULL)
    g_error ("%s", error->message);
  g_isle_expose_object (isle, "obj", G_OBJECT (action));
  g_isle_add_function (isle, "get_enabled", host_get_enabled, action, NULL);
  g_isle_add_function (isle, "set_enabled", host_set_enabled, action, NULL);

  read_prop = g_strdup_printf ("local o = obj for i = 1, %u do local v = o.enabled end", n);
  read_host = g_strdup_printf ("local f = get_enabled for i = 1, %u do local v = f() end", n);
  read_method = g_strdup_printf ("local o = obj for i = 1, %u do local v = o:get_enabled() end", n);

  /* Warm up: the first method call loads the Gio typelib. */
  run_timed (isle, read_method);
  run_timed (isle, read_prop);
  run_timed (isle, read_host);

  bench_samples_init (&prop, rounds);
  bench_samples_init (&host, rounds);
  bench_samples_init (&method, rounds);
  for (guint r = 0; r < rounds; r++)
    {
      /* Nanoseconds per operation, so the median keeps its precision. The
       * order turns each round: whichever runs first after the previous
       * one pays for waking things up. */
      for (guint k = 0; k < 3; k++)
        switch ((r + k) % 3)
          {
          case 0: bench_samples_add (&prop, run_timed (isle, read_prop) * 1000 / n); break;
          case 1: bench_samples_add (&host, run_timed (isle, read_host) * 1000 / n); break;
          default: bench_samples_add (&method, run_timed (isle, read_method) * 1000 / n); break;
          }
    }
  printf ("\nReads, %u rounds of %u (median per operation):\n", rounds, n);
  compare ("read", &prop, &host, "property read obj.enabled", "host function get_enabled()", 1.3);
  compare ("call", &method, &host, "method call obj:get_enabled()", "host function get_enabled()", 1.3);

  write_prop = g_strdup_printf ("local o = obj for i = 1, %u do o.enabled = (i %% 2 == 0) end", writes);
  write_host = g_strdup_printf ("local f = set_enabled for i = 1, %u do f(i %% 2 == 0) end", writes);
  run_timed (isle, write_host);
  for (guint r = 0; r < 3; r++)
    {
      gint64 g1, g2, e1, e2;

      e1 = run_with_timer (isle, write_prop, &g1);
      e2 = run_with_timer (isle, write_host, &g2);
      if (t_prop == 0 || e1 < t_prop)
        t_prop = e1;
      if (t_host == 0 || e2 < t_host)
        t_host = e2;
      gap_prop = MAX (gap_prop, g1);
      gap_host = MAX (gap_host, g2);
    }
  printf ("\nWrites: %u from one script, best of 3, with a 16 ms timer in the main loop:\n", writes);
  printf ("property writes obj.enabled = v    %8.1f ms   largest timer gap %5.1f ms (target <= 33.3)\n",
          t_prop / 1000.0, gap_prop / 1000.0);
  printf ("host function set_enabled(v)       %8.1f ms   largest timer gap %5.1f ms\n",
          t_host / 1000.0, gap_host / 1000.0);
  printf ("ratio %.2f (target <= 1.50)\n", (double) t_prop / (double) t_host);

  bench_samples_clear (&prop);
  bench_samples_clear (&host);
  bench_samples_clear (&method);
  g_isle_close (isle, NULL, NULL);
  return 0;
}
